package notify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/testkit"
)

// Every checkpoint the ledger signs reaches the witness, signed like a
// webhook; a witness that was down receives the newest once it answers.
func TestWitnessReceivesSignedCheckpoints(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var got [][]byte
	failures := 2
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if r.Header.Get(SignatureHeader) != Sign("s3cret", body) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		got = append(got, body)
	}))
	defer srv.Close()

	store, err := ledger.OpenSQLite(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	key, err := ledger.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w := NewWitness(srv.URL, "s3cret", nil)
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	cps, err := ledger.NewCheckpointer(ctx, store, ledger.CheckpointOptions{Signer: key, OnSigned: func(cp ledger.Checkpoint) { w.Offer(cp.Note) }})
	if err != nil {
		t.Fatal(err)
	}
	var last ledger.Checkpoint
	for i := range 3 {
		if _, err := store.Append(ctx, ledger.Entry{DecisionID: "w/" + string(rune('a'+i)), WorkflowID: "w", Kind: domain.KindProgress, Ministry: "miit", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if last, err = cps.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
	}
	testkit.Eventually(t, "the witness to hold the newest checkpoint", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0 && string(got[len(got)-1]) == string(last.Note), "received " + string(rune('0'+len(got))) + " notes"
	})
	mu.Lock()
	newest := got[len(got)-1]
	mu.Unlock()
	if cp, err := ledger.OpenCheckpoint(newest, key.VerifierKey()); err != nil || cp.Size != 3 {
		t.Errorf("the witness's copy does not check with the public key: size %d, %v", cp.Size, err)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("the witness sender did not stop with its context")
	}
}
