package ledger

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"sort"
)

// Problems VerifyCheckpoints reports. The chain check (Verify) cannot see
// any of them: each leaves a chain that recomputes.
const (
	// ProblemTruncated: the database has fewer records than a checkpoint
	// signed.
	ProblemTruncated = "truncated"
	// ProblemRewritten: the database has enough records, but their tree
	// root is not the one signed.
	ProblemRewritten = "rewritten"
	// ProblemFork: two kept checkpoints do not describe one growing log
	// (their consistency proof fails, or they sign two roots for one size).
	ProblemFork = "fork"
)

// CheckpointProblem is one disagreement between the database and a kept
// checkpoint. First and Last bound the records at fault: the missing
// ones, or the stretch in which a rewritten record lies (after the last
// checkpoint that still matches).
type CheckpointProblem struct {
	Kind   string `json:"kind"`
	Size   uint64 `json:"checkpoint_size"`
	First  int64  `json:"first_seq,omitempty"`
	Last   int64  `json:"last_seq,omitempty"`
	Detail string `json:"detail"`
}

func (p CheckpointProblem) String() string { return p.Detail }

// CheckpointReport is the outcome of checking the ledger against kept
// checkpoints.
type CheckpointReport struct {
	Records     uint64              `json:"records"`
	Checkpoints int                 `json:"checkpoints"`
	Matched     int                 `json:"matched"`
	Newest      uint64              `json:"newest_size"`
	Problems    []CheckpointProblem `json:"problems,omitempty"`
}

// OK reports whether every checkpoint matched.
func (r CheckpointReport) OK() bool { return len(r.Problems) == 0 }

// VerifyCheckpoints checks that the ledger is the log every kept checkpoint
// signed (their signatures were checked when they were read): each
// checkpoint's size is at most the ledger's length and its root is the
// root of that many records; and that consecutive checkpoints are
// consistent, proved from the database with RFC 6962 consistency proofs.
func VerifyCheckpoints(ctx context.Context, s *SQLStore, kept []Checkpoint) (CheckpointReport, error) {
	t, err := s.loadTree(ctx, 0)
	if err != nil {
		return CheckpointReport{}, err
	}
	cps := append([]Checkpoint(nil), kept...)
	sort.SliceStable(cps, func(i, j int) bool { return cps[i].Size < cps[j].Size })
	rep := CheckpointReport{Records: t.size(), Checkpoints: len(cps)}
	var good uint64 // size of the newest checkpoint that matched so far
	for i, cp := range cps {
		rep.Newest = max(rep.Newest, cp.Size)
		if i > 0 && cps[i-1].Size == cp.Size {
			if !bytes.Equal(cps[i-1].Root, cp.Root) {
				rep.Problems = append(rep.Problems, CheckpointProblem{Kind: ProblemFork, Size: cp.Size,
					Detail: (&ForkError{Size: cp.Size, Kept: cps[i-1].Root, Other: cp.Root}).Error()})
			}
			continue
		}
		switch {
		case cp.Size > t.size() && t.gap != 0:
			rep.Problems = append(rep.Problems, CheckpointProblem{Kind: ProblemTruncated, Size: cp.Size,
				First: t.gap, Last: t.gap,
				Detail: fmt.Sprintf("deleted: checkpoint %s signed %d records, and record #%d is missing from the ledger", label(cp), cp.Size, t.gap)})
		case cp.Size > t.size():
			rep.Problems = append(rep.Problems, CheckpointProblem{Kind: ProblemTruncated, Size: cp.Size,
				First: int64(t.size()) + 1, Last: int64(cp.Size),
				Detail: fmt.Sprintf("truncated: checkpoint %s signed %d records, the ledger has %d: records #%d to #%d are missing",
					label(cp), cp.Size, t.size(), t.size()+1, cp.Size)})
		default:
			root, _ := t.root(cp.Size)
			if bytes.Equal(root, cp.Root) {
				rep.Matched++
				good = cp.Size
				break
			}
			rep.Problems = append(rep.Problems, CheckpointProblem{Kind: ProblemRewritten, Size: cp.Size,
				First: int64(good) + 1, Last: int64(cp.Size),
				Detail: fmt.Sprintf("rewritten: checkpoint %s signed another root for the first %d records than the ledger gives (%s…): a record from #%d to #%d was changed",
					label(cp), cp.Size, label(Checkpoint{Size: cp.Size, Root: root}), good+1, cp.Size)})
		}
		if i > 0 && cps[i-1].Size > 0 {
			if p := consistent(t, cps[i-1], cp); p != nil {
				rep.Problems = append(rep.Problems, *p)
			}
		}
	}
	return rep, nil
}

// consistent checks that newer extends older, with a proof built from the
// database. It is asked only when the database matches newer (otherwise
// the database, not the log, is what changed, and that is reported): then
// a failed proof shows the log signed one history and later another, a
// fork.
func consistent(t *tree, older, newer Checkpoint) *CheckpointProblem {
	if newer.Size > t.size() {
		return nil // cannot build the proof; the truncation is reported
	}
	if root, _ := t.root(newer.Size); !bytes.Equal(root, newer.Root) {
		return nil
	}
	path, err := t.consistency(older.Size, newer.Size)
	if err == nil {
		err = VerifyConsistency(older.Size, newer.Size, path, older.Root, newer.Root)
	}
	if err == nil {
		return nil
	}
	return &CheckpointProblem{Kind: ProblemFork, Size: newer.Size, First: 1, Last: int64(older.Size),
		Detail: fmt.Sprintf("fork: checkpoint %s is not consistent with the earlier checkpoint %s: the log signed another history for records #1 to #%d",
			label(newer), label(older), older.Size)}
}

// label names a checkpoint in messages: its size and the start of its root
// in base64, as the root line of the signed note shows it.
func label(cp Checkpoint) string {
	return fmt.Sprintf("%d/%.12s", cp.Size, base64.StdEncoding.EncodeToString(cp.Root))
}
