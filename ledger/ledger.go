// Package ledger is the permanent record of every decision taken on a task.
//
// Temporal deletes a closed workflow's history once the namespace retention
// period has passed; the ledger keeps every decision for good. It is
// append-only and hash-chained: each record carries the SHA-256 of its own
// canonical encoding together with the previous record's hash, so removing,
// reordering or editing a record breaks the chain and Verify finds it.
package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"lianxi/domain"
)

// Entry is a decision as the workflow hands it over for recording.
type Entry = domain.Entry

// Record is an Entry as stored: its place in the chain and its hashes.
type Record struct {
	Seq int64 `json:"seq"`
	Entry
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// Store appends and reads records. Implementations must keep one unbroken
// chain even when several processes append at once.
type Store interface {
	// Append records e, or returns the stored record if e.DecisionID is
	// already on the ledger. Each also runs in the same transaction as a
	// new record (not when the record was already there), so what a
	// decision causes — its notifications — is stored with it or not at all.
	Append(ctx context.Context, e Entry, also ...Also) (Record, error)
	// Scan calls fn for every record in sequence order.
	Scan(ctx context.Context, fn func(Record) error) error
	Close() error
}

// Also is more work done in the transaction that appends a record. exec
// runs a statement written with ? placeholders (rebound for the backend).
type Also func(ctx context.Context, exec func(query string, args ...any) error) error

// ErrInvalidEntry reports an entry that cannot be recorded.
var ErrInvalidEntry = domain.ErrInvalidEntry

// canonical is the hashed form of a record: fixed field order, UTC time in
// RFC 3339 with nanoseconds, payload keys sorted by encoding/json.
type canonical struct {
	Seq      int64  `json:"seq"`
	Entry    Entry  `json:"entry"`
	PrevHash string `json:"prev_hash"`
}

// ComputeHash returns the chain hash of a record with the given sequence,
// entry and previous hash.
// It is the SHA-256 of the record's canonical bytes, which are also its
// Merkle leaf.
func ComputeHash(seq int64, e Entry, prevHash string) string {
	sum := sha256.Sum256(CanonicalBytes(seq, e, prevHash))
	return hex.EncodeToString(sum[:])
}

// GenesisHash is the previous hash of the first record.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// VerifyResult is the outcome of checking a whole chain.
type VerifyResult struct {
	OK      bool   `json:"ok"`
	Count   int64  `json:"count"`
	Head    string `json:"head"`
	BadSeq  int64  `json:"bad_seq,omitempty"`
	Problem string `json:"problem,omitempty"`
}

// Verify recomputes the chain in s and reports the first broken record.
func Verify(ctx context.Context, s Store) (VerifyResult, error) {
	res := VerifyResult{OK: true, Head: GenesisHash}
	var want int64 = 1
	err := s.Scan(ctx, func(r Record) error {
		if !res.OK {
			return nil
		}
		problem := ""
		switch {
		case r.Seq != want:
			problem = fmt.Sprintf("sequence gap: expected %d, found %d", want, r.Seq)
		case r.PrevHash != res.Head:
			problem = fmt.Sprintf("previous hash %s does not match the hash of record %d", short(r.PrevHash), want-1)
		case ComputeHash(r.Seq, r.Entry, r.PrevHash) != r.Hash:
			problem = "hash does not match the record's contents"
		}
		if problem != "" {
			res.OK, res.BadSeq, res.Problem = false, r.Seq, problem
			return nil
		}
		res.Count++
		res.Head = r.Hash
		want++
		return nil
	})
	if err != nil {
		return VerifyResult{}, fmt.Errorf("verify ledger: %w", err)
	}
	return res, nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
