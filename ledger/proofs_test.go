package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The checkpointer signs at least every Every records and on demand; the
// file and the database keep the same checkpoints; a restart picks up.
func TestCheckpointerEveryAndOnDemand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := backends(t)["sqlite"](t)
	dir := t.TempDir()
	key, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, CheckpointsFile)
	c, err := NewCheckpointer(ctx, s, CheckpointOptions{Signer: key, File: file, Every: 5, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Checkpoint(ctx); !errors.Is(err, ErrEmptyLedger) {
		t.Errorf("an empty ledger was signed: %v", err)
	}
	go c.Run(ctx)
	for i := 1; i <= 12; i++ {
		if _, err := s.Append(ctx, entry(fmt.Sprint(i), i)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		cp, ok, err := s.LatestCheckpoint(ctx, key.VerifierKey())
		if err != nil {
			t.Fatal(err)
		}
		// Every 5 means never 5 records without a checkpoint: the latest
		// may cover 8 (signed while 9 to 12 were being appended; the 13th
		// would be next), not fewer.
		if ok && 12-cp.Size < 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 12 appends with Every 5 the latest checkpoint covers %d records: %d unsigned", cp.Size, 12-cp.Size)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cp, err := c.Checkpoint(ctx)
	if err != nil || cp.Size != 12 {
		t.Fatalf("on demand: %d %v", cp.Size, err)
	}
	again, _ := c.Checkpoint(ctx)
	kept, err := ReadCheckpoints(file, key.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	if again.Size != 12 || kept[len(kept)-1].Size != 12 || string(kept[len(kept)-1].Note) != string(cp.Note) {
		t.Errorf("file %d checkpoints, last %d; asked again %d", len(kept), kept[len(kept)-1].Size, again.Size)
	}
	// Same key on restart; the public key says the checkpoint's origin.
	key2, err := LoadOrCreateKey(dir)
	if err != nil || key2.VerifierKey() != key.VerifierKey() || !strings.HasPrefix(string(cp.Note), key.Origin()+"\n12\n") {
		t.Errorf("key after restart %v %v; note %q", key2, err, cp.Note)
	}
	if _, err := NewCheckpointer(ctx, s, CheckpointOptions{Signer: key2, File: file}); err != nil {
		t.Errorf("restart on an untouched ledger: %v", err)
	}
}

// The leaf is the bytes the chain hash is taken over; every inclusion and
// consistency proof the tree builds checks with the library, and a proof
// for a changed record or from another log's key does not.
func TestProofsCheckOffline(t *testing.T) {
	ctx := context.Background()
	l := newSignedLedger(t, backends(t)["sqlite"](t), 5)
	small := l.checkpoint(t)
	l.add(t, 8)
	cp := l.checkpoint(t)
	for seq := int64(1); seq <= int64(cp.Size); seq++ {
		p, err := l.s.ProveInclusion(ctx, seq, cp)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(CanonicalBytes(p.Record.Seq, p.Record.Entry, p.Record.PrevHash))
		if hex.EncodeToString(sum[:]) != p.Record.Hash {
			t.Fatalf("record %d: canonical bytes and ComputeHash disagree", seq)
		}
		if _, err := CheckInclusion(p, l.key.VerifierKey(), small, cp); err != nil {
			t.Errorf("record %d: %v", seq, err)
		}
		p.Record.Payload = map[string]string{"decision": "object"}
		p.Record.Hash = ComputeHash(p.Record.Seq, p.Record.Entry, p.Record.PrevHash)
		if _, err := CheckInclusion(p, l.key.VerifierKey()); err == nil {
			t.Errorf("record %d: a changed record passed", seq)
		}
	}
	other, err := LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := l.s.ProveInclusion(ctx, 3, cp)
	if _, err := CheckInclusion(p, other.VerifierKey()); err == nil {
		t.Error("a proof passed with another log's key")
	}
	c, err := l.s.ProveConsistency(ctx, small, cp)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := CheckConsistency(c, l.key.VerifierKey()); err != nil {
		t.Errorf("consistency 5 → 13: %v", err)
	}
	c.Path[0][0] ^= 1
	if _, _, err := CheckConsistency(c, l.key.VerifierKey()); err == nil {
		t.Error("a corrupted consistency proof passed")
	}
}

// The cost of one checkpoint after 100 new records (folding them into the
// range, one signature, one row, one synced line), on SQLite.
func BenchmarkCheckpoint(b *testing.B) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	dir := b.TempDir()
	key, err := LoadOrCreateKey(dir)
	if err != nil {
		b.Fatal(err)
	}
	c, err := NewCheckpointer(ctx, s, CheckpointOptions{Signer: key, File: filepath.Join(dir, CheckpointsFile)})
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for range DefaultCheckpointEvery {
			n++
			if _, err := s.Append(ctx, entry(fmt.Sprint(n), n)); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if _, err := c.Checkpoint(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
