package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// The hash chain proves order but not completeness: whoever holds the
// database can cut its tail, or rewrite a record and re-hash every record
// after it. So the records are also the leaves of a Merkle tree in the RFC
// 6962 (Certificate Transparency) way, whose root is signed from time to
// time (see checkpoint.go). Record seq is leaf seq-1; a leaf's data is the
// record's canonical bytes, the same bytes its chain hash is taken over, so
// whoever can check a record's chain hash can also compute its leaf.

// hasher is RFC 6962's SHA-256 tree hasher: leaves and inner nodes are
// hashed with distinct prefixes so one can never pass for the other.
var hasher = rfc6962.DefaultHasher

// CanonicalBytes returns a record's canonical encoding: its chain hash is
// the SHA-256 of these bytes (ComputeHash) and its Merkle leaf is these
// bytes, so the chain and the tree cover the same encoding.
func CanonicalBytes(seq int64, e Entry, prevHash string) []byte {
	e.At = e.At.UTC()
	if len(e.Payload) == 0 {
		e.Payload = nil
	}
	b, err := json.Marshal(canonical{Seq: seq, Entry: e, PrevHash: prevHash})
	if err != nil {
		// Entry holds only strings, ints and a time: Marshal cannot fail.
		panic(fmt.Sprintf("ledger: canonical encoding: %v", err))
	}
	return b
}

// LeafHash is the RFC 6962 leaf hash of a record: SHA-256 of 0x00 followed
// by its canonical bytes.
func LeafHash(r Record) []byte {
	return hasher.HashLeaf(CanonicalBytes(r.Seq, r.Entry, r.PrevHash))
}

// tree accumulates leaf hashes in order and answers the root of any prefix.
// It keeps every leaf hash (32 bytes a record) so proofs can be built; the
// checkpointer, which needs only roots, uses a compact range instead.
type tree struct {
	leaves [][]byte
	// gap, when not 0, is the first missing sequence number: loadTree
	// stops there, since every later leaf would be out of place.
	gap int64
}

// add appends one leaf hash.
func (t *tree) add(leaf []byte) { t.leaves = append(t.leaves, leaf) }

// size is the number of leaves.
func (t *tree) size() uint64 { return uint64(len(t.leaves)) }

// root is the tree hash of the first n leaves (RFC 6962 MTH).
func (t *tree) root(n uint64) ([]byte, error) {
	if n > t.size() {
		return nil, fmt.Errorf("tree of %d records has no root at size %d", t.size(), n)
	}
	return rootOf(t.leaves[:n])
}

// subtree hashes a perfect subtree (len(ls) a power of two) directly.
func subtree(ls [][]byte) []byte {
	if len(ls) == 1 {
		return ls[0]
	}
	half := len(ls) / 2
	return hasher.HashChildren(subtree(ls[:half]), subtree(ls[half:]))
}

// rootOf is the tree hash of leaves, through the library's compact range
// (the empty tree's root is SHA-256 of nothing, as RFC 6962 says).
func rootOf(leaves [][]byte) ([]byte, error) {
	r := (&compact.RangeFactory{Hash: hasher.HashChildren}).NewEmptyRange(0)
	for _, l := range leaves {
		if err := r.Append(l, nil); err != nil {
			return nil, err
		}
	}
	if len(leaves) == 0 {
		return hasher.EmptyRoot(), nil
	}
	return r.GetRootHash(nil)
}

// hashes fetches the hash of every node the library names for a proof and
// folds them into the proof as RFC 6962 defines it.
func (t *tree) hashes(n proof.Nodes) ([][]byte, error) {
	hs := make([][]byte, len(n.IDs))
	for i, id := range n.IDs {
		b, e := id.Coverage()
		if e > t.size() {
			return nil, fmt.Errorf("proof node %v lies past the tree's %d records", id, t.size())
		}
		hs[i] = subtree(t.leaves[b:e])
	}
	return n.Rehash(hs, hasher.HashChildren)
}

// inclusion is the audit path of leaf index in the tree of the first size
// leaves.
func (t *tree) inclusion(index, size uint64) ([][]byte, error) {
	if size > t.size() {
		return nil, fmt.Errorf("tree of %d records has no size %d", t.size(), size)
	}
	n, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, err
	}
	return t.hashes(n)
}

// consistency proves the tree of size1 leaves is a prefix of the tree of
// size2 leaves.
func (t *tree) consistency(size1, size2 uint64) ([][]byte, error) {
	if size2 > t.size() {
		return nil, fmt.Errorf("tree of %d records has no size %d", t.size(), size2)
	}
	n, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, err
	}
	return t.hashes(n)
}

// loadTree reads the leaves of the first upTo records (all when upTo is 0)
// and checks, on the way, that they are numbered 1, 2, 3…: it stops at a
// gap (noting it), since a gap would shift every later leaf.
func (s *SQLStore) loadTree(ctx context.Context, upTo int64) (*tree, error) {
	t := &tree{}
	q := `SELECT ` + recordColumns + ` FROM decisions ORDER BY seq`
	var args []any
	if upTo > 0 {
		q = `SELECT ` + recordColumns + ` FROM decisions WHERE seq <= ? ORDER BY seq`
		args = append(args, upTo)
	}
	err := s.scan(ctx, q, func(r Record) error {
		if t.gap != 0 {
			return nil
		}
		if r.Seq != int64(t.size())+1 {
			t.gap = int64(t.size()) + 1
			return nil
		}
		t.add(LeafHash(r))
		return nil
	}, args...)
	if err != nil {
		return nil, fmt.Errorf("read the ledger's Merkle tree: %w", err)
	}
	return t, nil
}

// VerifyInclusion checks that rec is leaf rec.Seq-1 of the tree of size
// whose root is root, given the audit path. It also checks the record's
// chain hash against its contents, so a receipt that was edited fails.
func VerifyInclusion(rec Record, size uint64, path [][]byte, root []byte) error {
	if ComputeHash(rec.Seq, rec.Entry, rec.PrevHash) != rec.Hash {
		return fmt.Errorf("record %d: its hash does not match its contents", rec.Seq)
	}
	if rec.Seq < 1 {
		return fmt.Errorf("record %d: sequence numbers start at 1", rec.Seq)
	}
	if err := proof.VerifyInclusion(hasher, uint64(rec.Seq-1), size, LeafHash(rec), path, root); err != nil {
		var mismatch proof.RootMismatchError
		if errors.As(err, &mismatch) {
			return fmt.Errorf("record %d is not in the log of %d records: the proof leads to another root than the checkpoint's", rec.Seq, size)
		}
		return fmt.Errorf("record %d is not in the log of %d records: %w", rec.Seq, size, err)
	}
	return nil
}

// VerifyConsistency checks that the tree of size1 with root1 is a prefix of
// the tree of size2 with root2: nothing signed at size1 was changed or
// removed by size2.
func VerifyConsistency(size1, size2 uint64, path [][]byte, root1, root2 []byte) error {
	if err := proof.VerifyConsistency(hasher, size1, size2, path, root1, root2); err != nil {
		var mismatch proof.RootMismatchError
		if errors.As(err, &mismatch) {
			return fmt.Errorf("the log of %d records is not an extension of the log of %d records: the proof leads to another root", size2, size1)
		}
		return fmt.Errorf("the log of %d records is not an extension of the log of %d records: %w", size2, size1, err)
	}
	return nil
}
