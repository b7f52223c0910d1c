package ledger

import (
	"bytes"
	"context"
	"fmt"
)

// InclusionProof is what a ministry keeps beside its receipt: the record as
// stored, its place in the tree, the audit path and the signed checkpoint
// the path leads to. With the log's public key alone, and no database, it
// shows years later that the record is in the log the office signed.
type InclusionProof struct {
	Record    Record `json:"record"`
	LeafIndex uint64 `json:"leaf_index"`
	// LeafHash is the RFC 6962 leaf hash (hex), for matching by eye.
	LeafHash string   `json:"leaf_hash"`
	TreeSize uint64   `json:"tree_size"`
	Path     [][]byte `json:"path"`
	// Checkpoint is the signed note of size TreeSize.
	Checkpoint string `json:"checkpoint"`
}

// ConsistencyProof shows that the log at the newer checkpoint still holds,
// unchanged, every record the older one signed.
type ConsistencyProof struct {
	Old  string   `json:"old_checkpoint"`
	New  string   `json:"new_checkpoint"`
	Path [][]byte `json:"path"`
}

// ProveInclusion builds the inclusion proof of record seq against cp,
// having checked that the database still matches cp: the office never
// hands out a proof it could not stand behind.
func (s *SQLStore) ProveInclusion(ctx context.Context, seq int64, cp Checkpoint) (InclusionProof, error) {
	if seq < 1 || uint64(seq) > cp.Size {
		return InclusionProof{}, fmt.Errorf("prove record %d: checkpoint %d covers records 1 to %d", seq, cp.Size, cp.Size)
	}
	t, err := s.matching(ctx, cp)
	if err != nil {
		return InclusionProof{}, err
	}
	var rec Record
	err = s.scan(ctx, `SELECT `+recordColumns+` FROM decisions WHERE seq = ?`, func(r Record) error { rec = r; return nil }, seq)
	if err != nil {
		return InclusionProof{}, err
	}
	path, err := t.inclusion(uint64(seq-1), cp.Size)
	if err != nil {
		return InclusionProof{}, fmt.Errorf("prove record %d: %w", seq, err)
	}
	return InclusionProof{Record: rec, LeafIndex: uint64(seq - 1), LeafHash: fmt.Sprintf("%x", t.leaves[seq-1]),
		TreeSize: cp.Size, Path: path, Checkpoint: string(cp.Note)}, nil
}

// ProveConsistency builds the proof that newer extends older, from the
// database, having checked that it matches both.
func (s *SQLStore) ProveConsistency(ctx context.Context, older, newer Checkpoint) (ConsistencyProof, error) {
	if older.Size > newer.Size {
		older, newer = newer, older
	}
	t, err := s.matching(ctx, newer)
	if err != nil {
		return ConsistencyProof{}, err
	}
	if root, _ := t.root(older.Size); !bytes.Equal(root, older.Root) {
		return ConsistencyProof{}, fmt.Errorf("%w: checkpoint %d", ErrCheckpointMismatch, older.Size)
	}
	path, err := t.consistency(older.Size, newer.Size)
	if err != nil {
		return ConsistencyProof{}, err
	}
	return ConsistencyProof{Old: string(older.Note), New: string(newer.Note), Path: path}, nil
}

// matching loads the tree up to cp and checks its root.
func (s *SQLStore) matching(ctx context.Context, cp Checkpoint) (*tree, error) {
	t, err := s.loadTree(ctx, int64(cp.Size))
	if err != nil {
		return nil, err
	}
	if t.size() < cp.Size {
		return nil, fmt.Errorf("%w: checkpoint %d, the database has %d records", ErrCheckpointMismatch, cp.Size, t.size())
	}
	if root, _ := t.root(cp.Size); !bytes.Equal(root, cp.Root) {
		return nil, fmt.Errorf("%w: checkpoint %d", ErrCheckpointMismatch, cp.Size)
	}
	return t, nil
}

// CheckInclusion checks an inclusion proof with the log's public key
// alone. When kept checkpoints are given (the holder's own copies), any of
// the same size must carry the same root: two signed roots for one size
// are a fork.
func CheckInclusion(p InclusionProof, vkey string, kept ...Checkpoint) (Checkpoint, error) {
	cp, err := OpenCheckpoint([]byte(p.Checkpoint), vkey)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("the proof's checkpoint is not this log's: %w", err)
	}
	if cp.Size != p.TreeSize || p.LeafIndex != uint64(p.Record.Seq-1) {
		return Checkpoint{}, fmt.Errorf("the proof's sizes do not agree: tree %d, checkpoint %d, leaf %d for record %d", p.TreeSize, cp.Size, p.LeafIndex, p.Record.Seq)
	}
	if err := sameRoot(cp, kept); err != nil {
		return Checkpoint{}, err
	}
	if err := VerifyInclusion(p.Record, cp.Size, p.Path, cp.Root); err != nil {
		return Checkpoint{}, err
	}
	return cp, nil
}

// CheckConsistency checks a consistency proof with the public key alone.
func CheckConsistency(p ConsistencyProof, vkey string, kept ...Checkpoint) (older, newer Checkpoint, err error) {
	if older, err = OpenCheckpoint([]byte(p.Old), vkey); err != nil {
		return older, newer, fmt.Errorf("older checkpoint: %w", err)
	}
	if newer, err = OpenCheckpoint([]byte(p.New), vkey); err != nil {
		return older, newer, fmt.Errorf("newer checkpoint: %w", err)
	}
	if err := sameRoot(older, kept); err != nil {
		return older, newer, err
	}
	if err := sameRoot(newer, kept); err != nil {
		return older, newer, err
	}
	if older.Size == 0 {
		return older, newer, nil
	}
	return older, newer, VerifyConsistency(older.Size, newer.Size, p.Path, older.Root, newer.Root)
}

// ForkError reports two checkpoints signed by the same key for the same
// size with different roots: the log showed two different histories.
type ForkError struct {
	Size        uint64
	Kept, Other []byte
}

func (e *ForkError) Error() string {
	return fmt.Sprintf("fork: two checkpoints of size %d with different roots (kept %.6x…, this one %.6x…)", e.Size, e.Kept, e.Other)
}

func sameRoot(cp Checkpoint, kept []Checkpoint) error {
	for _, k := range kept {
		if k.Size == cp.Size && !bytes.Equal(k.Root, cp.Root) {
			return &ForkError{Size: cp.Size, Kept: k.Root, Other: cp.Root}
		}
	}
	return nil
}
