package ledger

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"sync/atomic"
	"time"

	"github.com/transparency-dev/merkle/compact"
)

// Defaults for how often the ledger signs a checkpoint. A checkpoint costs
// one Ed25519 signature, one row and one synced line in the checkpoints
// file (about a millisecond), so a short bound is cheap; what it buys is a
// short window in which the newest records are covered only by the chain.
const (
	// DefaultCheckpointEvery: a checkpoint at least every this many records.
	DefaultCheckpointEvery = 100
	// DefaultCheckpointInterval: and at least this often while records
	// keep coming (an idle ledger signs nothing new).
	DefaultCheckpointInterval = 10 * time.Second
)

// ErrCheckpointMismatch means the database no longer holds what the ledger
// last signed: it was truncated or rewritten. The checkpointer then signs
// nothing, so it never vouches for a tampered log.
var ErrCheckpointMismatch = errors.New("the ledger does not match its last checkpoint")

// ErrEmptyLedger: there is nothing to sign yet.
var ErrEmptyLedger = errors.New("the ledger is empty: no checkpoint to sign yet")

// CheckpointOptions configures a Checkpointer.
type CheckpointOptions struct {
	Signer *Signer
	// File is the checkpoints file (appended); empty keeps them in the
	// database only.
	File     string
	Every    int64
	Interval time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// OnError hears failures of the background loop.
	OnError func(error)
	// OnSigned, when set, hears of each new checkpoint once it is stored;
	// it must not block (it runs under the checkpointer's lock).
	OnSigned func(Checkpoint)
}

// Checkpointer follows the ledger with a compact Merkle range (a few hashes,
// whatever the ledger's length) and signs checkpoints.
type Checkpointer struct {
	s    *SQLStore
	opts CheckpointOptions
	kick chan struct{}
	// signed is the size of the newest checkpoint, read by the append
	// hook without taking mu.
	signed atomic.Int64

	mu   sync.Mutex
	rng  *compact.Range
	head string // chain hash of the last record in rng
	last Checkpoint
}

// NewCheckpointer reads the ledger and its newest checkpoint, refuses to go
// on if they disagree (ErrCheckpointMismatch), and hooks itself to the
// store's commits. Call Run to sign in the background.
func NewCheckpointer(ctx context.Context, s *SQLStore, opts CheckpointOptions) (*Checkpointer, error) {
	if opts.Every <= 0 {
		opts.Every = DefaultCheckpointEvery
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultCheckpointInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Checkpointer{s: s, opts: opts, kick: make(chan struct{}, 1), head: GenesisHash,
		rng: (&compact.RangeFactory{Hash: hasher.HashChildren}).NewEmptyRange(0)}
	last, ok, err := s.LatestCheckpoint(ctx, opts.Signer.VerifierKey())
	if err != nil {
		return nil, err
	}
	if opts.File != "" {
		kept, err := ReadCheckpoints(opts.File, opts.Signer.VerifierKey())
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if n := len(kept); n > 0 && (!ok || kept[n-1].Size > last.Size) {
			last, ok = kept[n-1], true
		}
	}
	if ok {
		if err := c.catchUp(ctx, int64(last.Size)); err != nil {
			return nil, err
		}
		if c.rng.End() < last.Size {
			return nil, fmt.Errorf("%w: checkpoint %d signed %d records, the database has %d", ErrCheckpointMismatch, last.Size, last.Size, c.rng.End())
		}
		if root, _ := c.root(); !bytes.Equal(root, last.Root) {
			return nil, fmt.Errorf("%w: the root of the first %d records is not the one signed", ErrCheckpointMismatch, last.Size)
		}
		c.last = last
		c.signed.Store(int64(last.Size))
	}
	s.onCommit = c.committed
	return c, nil
}

// committed is the store's hook after each commit: it wakes the loop when
// enough records have come since the last checkpoint. It never blocks an
// append.
func (c *Checkpointer) committed(seq int64) {
	if seq-c.signed.Load() < c.opts.Every {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Run signs a checkpoint whenever Every records have come, and every
// Interval if any have, until ctx is done.
func (c *Checkpointer) Run(ctx context.Context) {
	t := time.NewTicker(c.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.kick:
		case <-t.C:
		}
		_, err := c.Checkpoint(ctx)
		if err != nil && !errors.Is(err, ErrEmptyLedger) && ctx.Err() == nil && c.opts.OnError != nil {
			c.opts.OnError(err)
		}
	}
}

// Checkpoint signs a checkpoint of the whole ledger now, unless the newest
// one already covers every record, and returns the newest. It is the
// on-demand path as well as the loop's.
func (c *Checkpointer) Checkpoint(ctx context.Context) (Checkpoint, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.catchUp(ctx, 0); err != nil {
		return Checkpoint{}, err
	}
	if c.last.Note != nil && c.rng.End() == c.last.Size {
		return c.last, nil
	}
	if c.rng.End() == 0 {
		return Checkpoint{}, ErrEmptyLedger
	}
	root, err := c.root()
	if err != nil {
		return Checkpoint{}, err
	}
	cp, err := c.opts.Signer.Sign(c.rng.End(), root)
	if err != nil {
		return Checkpoint{}, err
	}
	now := c.opts.Now()
	if err := c.s.saveCheckpoint(ctx, cp, now); err != nil {
		return Checkpoint{}, err
	}
	if c.opts.File != "" {
		if err := AppendCheckpointFile(c.opts.File, cp, now); err != nil {
			return Checkpoint{}, err
		}
	}
	c.last = cp
	c.signed.Store(int64(cp.Size))
	if c.opts.OnSigned != nil {
		c.opts.OnSigned(cp)
	}
	return cp, nil
}

func (c *Checkpointer) root() ([]byte, error) {
	if c.rng.End() == 0 {
		return hasher.EmptyRoot(), nil
	}
	return c.rng.GetRootHash(nil)
}

// catchUp adds the records after the range's end (up to upTo, or all when
// 0), checking each link of the chain: the checkpointer signs only a chain
// it has verified itself.
func (c *Checkpointer) catchUp(ctx context.Context, upTo int64) error {
	q := `SELECT ` + recordColumns + ` FROM decisions WHERE seq > ? ORDER BY seq`
	args := []any{int64(c.rng.End())}
	if upTo > 0 {
		q = `SELECT ` + recordColumns + ` FROM decisions WHERE seq > ? AND seq <= ? ORDER BY seq`
		args = append(args, upTo)
	}
	err := c.s.scan(ctx, q, func(r Record) error {
		switch {
		case r.Seq != int64(c.rng.End())+1:
			return fmt.Errorf("record %d found where %d was expected", r.Seq, c.rng.End()+1)
		case r.PrevHash != c.head || ComputeHash(r.Seq, r.Entry, r.PrevHash) != r.Hash:
			return fmt.Errorf("record %d breaks the hash chain", r.Seq)
		}
		c.head = r.Hash
		return c.rng.Append(LeafHash(r), nil)
	}, args...)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// saveCheckpoint keeps cp in the database; a checkpoint of the same size
// from another process is the same checkpoint (Ed25519 is deterministic).
func (s *SQLStore) saveCheckpoint(ctx context.Context, cp Checkpoint, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO checkpoints (size, root, note, at) VALUES (?, ?, ?, ?) ON CONFLICT (size) DO NOTHING`),
		int64(cp.Size), base64.StdEncoding.EncodeToString(cp.Root), string(cp.Note), at.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("save checkpoint %d: %w", cp.Size, err)
	}
	return nil
}

// LatestCheckpoint is the newest checkpoint in the database, checked
// against vkey; ok is false when there is none.
func (s *SQLStore) LatestCheckpoint(ctx context.Context, vkey string) (cp Checkpoint, ok bool, err error) {
	return s.checkpointWhere(ctx, vkey, `ORDER BY size DESC LIMIT 1`)
}

// LatestSignedCheckpoint is the newest checkpoint's signed note as stored,
// unchecked: for handing out to readers, who check it themselves.
func (s *SQLStore) LatestSignedCheckpoint(ctx context.Context) ([]byte, bool, error) {
	var signed string
	err := s.db.QueryRowContext(ctx, `SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1`).Scan(&signed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read checkpoint: %w", err)
	}
	return []byte(signed), true, nil
}

// CheckpointAt is the database's checkpoint of exactly the given size.
func (s *SQLStore) CheckpointAt(ctx context.Context, vkey string, size uint64) (Checkpoint, bool, error) {
	return s.checkpointWhere(ctx, vkey, `WHERE size = ?`, int64(size))
}

func (s *SQLStore) checkpointWhere(ctx context.Context, vkey, where string, args ...any) (Checkpoint, bool, error) {
	var signed string
	err := s.db.QueryRowContext(ctx, s.Rebind(`SELECT note FROM checkpoints `+where), args...).Scan(&signed)
	if errors.Is(err, sql.ErrNoRows) {
		return Checkpoint{}, false, nil
	}
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("read checkpoint: %w", err)
	}
	cp, err := OpenCheckpoint([]byte(signed), vkey)
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("checkpoint in the database: %w", err)
	}
	return cp, true, nil
}
