package attachments

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"lianxi/ledger"
	"lianxi/periodic"
)

// TestSweepJob runs the attachment sweep as the serve command does, by a
// periodic runner on a ledger database: it removes an upload no decision
// named within the grace period, under the lease attachments-sweep, and
// logs what it removed.
func TestSweepJob(t *testing.T) {
	u, err := FileURL(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	at := now
	s := openStore(t, u, Options{Grace: time.Hour, Now: func() time.Time { return at }})
	stale, err := s.Put(t.Context(), "plan/1.1", "ndrc", "stale.txt", strings.NewReader("never attached"))
	if err != nil {
		t.Fatal(err)
	}
	at = now.Add(2 * time.Hour) // before the runner starts: its clock is read there

	job := s.SweepJob()
	if job.Name != "attachments-sweep" || job.Every != time.Hour {
		t.Fatalf("sweep job: lease %q every %s, want attachments-sweep every 1h0m0s", job.Name, job.Every)
	}
	job.Every = 100 * time.Millisecond
	db, err := ledger.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	core, logs := observer.New(zap.InfoLevel)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- periodic.New(periodic.NewLeases(db), "serve-test", zap.New(core), job).Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for logs.FilterMessage("unattached uploads removed").Len() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	removed := logs.FilterMessage("unattached uploads removed").All()
	if len(removed) != 1 {
		t.Fatalf("removals logged %d times, want once", len(removed))
	}
	f := removed[0].ContextMap()
	if f["lease"] != "attachments-sweep" || f["holder"] != "serve-test" || f["files"] != int64(1) || f["grace"] != time.Hour {
		t.Errorf("removal logged with %v, want the lease, the holder, 1 file and the grace", f)
	}
	if _, err := s.Get(t.Context(), "plan/1.1", stale.SHA256); !errors.Is(err, ErrNotFound) {
		t.Errorf("stale upload: %v, want removed by the job", err)
	}
}
