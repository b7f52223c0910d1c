package ledger

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// signedLedger is a store with n records, a key and a checkpointer writing
// to a checkpoints file in its own folder.
type signedLedger struct {
	s    *SQLStore
	dir  string
	key  *Signer
	file string
	cp   *Checkpointer
}

func newSignedLedger(t *testing.T, s *SQLStore, n int) *signedLedger {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	key, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	l := &signedLedger{s: s, dir: dir, key: key, file: filepath.Join(dir, CheckpointsFile)}
	l.cp, err = NewCheckpointer(ctx, s, CheckpointOptions{Signer: key, File: l.file})
	if err != nil {
		t.Fatal(err)
	}
	l.add(t, n)
	return l
}

// add appends n more records.
func (l *signedLedger) add(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	var last Record
	_ = l.s.Scan(ctx, func(r Record) error { last = r; return nil })
	for i := int(last.Seq) + 1; i <= int(last.Seq)+n; i++ {
		if _, err := l.s.Append(ctx, entry(fmt.Sprint("d", i), i)); err != nil {
			t.Fatal(err)
		}
	}
}

// checkpoint signs one now and returns it.
func (l *signedLedger) checkpoint(t *testing.T) Checkpoint {
	t.Helper()
	cp, err := l.cp.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// kept reads the checkpoints file back, signatures checked.
func (l *signedLedger) kept(t *testing.T) []Checkpoint {
	t.Helper()
	cps, err := ReadCheckpoints(l.file, l.key.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	return cps
}

// tamperAll runs statements as someone with database access would: the
// append-only guard dropped first.
func tamperAll(t *testing.T, s *SQLStore, stmts ...string) {
	t.Helper()
	drop := []string{`DROP TRIGGER IF EXISTS decisions_no_update`, `DROP TRIGGER IF EXISTS decisions_no_delete`}
	if s.d.name != "sqlite" {
		drop = []string{`DROP TRIGGER IF EXISTS decisions_no_change ON decisions`}
	}
	for _, q := range append(drop, stmts...) {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// rewrite changes record seq's payload and recomputes the hash chain from
// there on, so the chain check alone passes.
func rewrite(t *testing.T, s *SQLStore, seq int64, decision string) {
	t.Helper()
	ctx := context.Background()
	var recs []Record
	if err := s.Scan(ctx, func(r Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	var stmts []string
	prev := GenesisHash
	for _, r := range recs {
		if r.Seq == seq {
			r.Payload = map[string]string{"decision": decision}
		}
		if r.Seq >= seq {
			r.PrevHash = prev
			r.Hash = ComputeHash(r.Seq, r.Entry, prev)
			payload := `{"decision":"` + r.Payload["decision"] + `","n":"` + r.Payload["n"] + `"}`
			if r.Seq == seq {
				payload = `{"decision":"` + decision + `"}`
			}
			stmts = append(stmts, fmt.Sprintf(`UPDATE decisions SET payload = '%s', prev_hash = '%s', hash = '%s' WHERE seq = %d`,
				payload, r.PrevHash, r.Hash, r.Seq))
		}
		prev = r.Hash
	}
	tamperAll(t, s, stmts...)
	if res, err := Verify(ctx, s); err != nil || !res.OK {
		t.Fatalf("the rewrite should leave a chain that recomputes: %+v %v", res, err)
	}
}

// verifyKept runs VerifyCheckpoints over the kept checkpoints.
func verifyKept(t *testing.T, l *signedLedger, cps []Checkpoint) CheckpointReport {
	t.Helper()
	rep, err := VerifyCheckpoints(context.Background(), l.s, cps)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func wantProblem(t *testing.T, rep CheckpointReport, kind string, first, last int64) {
	t.Helper()
	for _, p := range rep.Problems {
		if p.Kind == kind && p.First == first && p.Last == last {
			return
		}
	}
	t.Errorf("want a %q problem for records #%d to #%d, got %+v", kind, first, last, rep.Problems)
}

// Each tampering the hash chain cannot see is found against kept
// checkpoints: the tail cut, everything deleted, a middle row deleted, a
// record rewritten with the chain recomputed; and a log that signs a new
// history after a rewrite is a fork. An untouched ledger verifies.
func TestCheckpointsFindTampering(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("untouched", func(t *testing.T) {
				l := newSignedLedger(t, open(t), 4)
				l.checkpoint(t)
				l.add(t, 6)
				l.checkpoint(t)
				rep := verifyKept(t, l, l.kept(t))
				if !rep.OK() || rep.Matched != 2 || rep.Records != 10 {
					t.Errorf("untouched ledger: %+v", rep)
				}
			})
			t.Run("tail deleted", func(t *testing.T) {
				l := newSignedLedger(t, open(t), 10)
				l.checkpoint(t)
				tamperAll(t, l.s, `DELETE FROM decisions WHERE seq > 7`)
				if res, _ := Verify(context.Background(), l.s); !res.OK {
					t.Fatalf("the chain alone should not see a cut tail: %+v", res)
				}
				wantProblem(t, verifyKept(t, l, l.kept(t)), ProblemTruncated, 8, 10)
			})
			t.Run("everything deleted", func(t *testing.T) {
				l := newSignedLedger(t, open(t), 10)
				l.checkpoint(t)
				tamperAll(t, l.s, `DELETE FROM decisions`)
				rep := verifyKept(t, l, l.kept(t))
				wantProblem(t, rep, ProblemTruncated, 1, 10)
				if !strings.Contains(rep.Problems[0].Detail, "records #1 to #10 are missing") {
					t.Errorf("message %q does not name the missing range", rep.Problems[0].Detail)
				}
			})
			t.Run("middle row deleted", func(t *testing.T) {
				l := newSignedLedger(t, open(t), 10)
				l.checkpoint(t)
				tamperAll(t, l.s, `DELETE FROM decisions WHERE seq = 4`)
				wantProblem(t, verifyKept(t, l, l.kept(t)), ProblemTruncated, 4, 4)
			})
			t.Run("rewritten and rehashed", func(t *testing.T) {
				l := newSignedLedger(t, open(t), 4)
				l.checkpoint(t)
				l.add(t, 6)
				l.checkpoint(t)
				rewrite(t, l.s, 6, "object")
				rep := verifyKept(t, l, l.kept(t))
				// Checkpoint 4 still matches, so the change lies in #5 to #10.
				wantProblem(t, rep, ProblemRewritten, 5, 10)
				if rep.Matched != 1 || len(rep.Problems) != 1 {
					t.Errorf("checkpoint 4 should still match, and only the rewrite be reported (no fork: the log itself never signed another history): %+v", rep)
				}
			})
			t.Run("fork", func(t *testing.T) {
				l := newSignedLedger(t, open(t), 10)
				old := l.checkpoint(t)
				// Someone with the database and the key rewrites #3, adds
				// records and signs the new history into a fresh file.
				rewrite(t, l.s, 3, "object")
				if _, err := NewCheckpointer(context.Background(), l.s, CheckpointOptions{Signer: l.key, File: l.file}); !errors.Is(err, ErrCheckpointMismatch) {
					t.Errorf("the checkpointer should refuse to sign a ledger that no longer matches its file: %v", err)
				}
				// He also empties the database's copy of the checkpoints,
				// which the checkpointer checks as well.
				tamperAll(t, l.s, `DELETE FROM checkpoints`)
				forger, err := NewCheckpointer(context.Background(), l.s, CheckpointOptions{Signer: l.key, File: filepath.Join(l.dir, "other.jsonl")})
				if err != nil {
					t.Fatal(err)
				}
				l.add(t, 2)
				forged, err := forger.Checkpoint(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				rep := verifyKept(t, l, []Checkpoint{old, forged})
				wantProblem(t, rep, ProblemFork, 1, 10)
				wantProblem(t, rep, ProblemRewritten, 1, 10)
				// Offline, the two signed heads cannot be joined either.
				if _, err := l.s.ProveConsistency(context.Background(), old, forged); !errors.Is(err, ErrCheckpointMismatch) {
					t.Errorf("consistency proof across a fork: %v", err)
				}
			})
		})
	}
}
