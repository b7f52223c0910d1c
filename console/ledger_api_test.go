package console

import (
	"context"
	"net/http"
	"testing"

	"lianxi/ledger"
)

// GET /api/ledger/checkpoint: 404 before the ledger signs anything, then
// the newest signed note, which checks with the log's public key alone.
func TestLedgerCheckpointRoute(t *testing.T) {
	s := newStack(t)
	if a := s.call("miit", "GET", "/api/ledger/checkpoint", nil); a.status != http.StatusNotFound || a.err.Code != "no_checkpoint" {
		t.Fatalf("before any checkpoint: %d %s", a.status, a.body)
	}
	key, err := ledger.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c, err := ledger.NewCheckpointer(context.Background(), s.ledger, ledger.CheckpointOptions{Signer: key})
	if err != nil {
		t.Fatal(err)
	}
	want, err := c.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a := s.call("miit", "GET", "/api/ledger/checkpoint", nil)
	if a.status != http.StatusOK || a.body != string(want.Note) {
		t.Fatalf("checkpoint: %d %q, want %q", a.status, a.body, want.Note)
	}
	if got, err := ledger.OpenCheckpoint([]byte(a.body), key.VerifierKey()); err != nil || got.Size != want.Size {
		t.Errorf("served checkpoint does not check: %+v %v", got, err)
	}
}
