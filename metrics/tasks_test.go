package metrics

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lianxi/board"
	"lianxi/domain"
	"lianxi/ledger"
)

// The tasks gauge counts the board's rows, each open one by the light its
// due date gives at the time of counting.
func TestTasksGaugeFromBoard(t *testing.T) {
	ctx := context.Background()
	store, err := ledger.OpenSQLite(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	b, err := board.Open(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	row := func(id, status string, due time.Time, window time.Duration) domain.BoardRow {
		return domain.BoardRow{WorkflowID: id, PlanID: "p", TaskNo: id, Title: id, Status: status, Round: 1, Lead: "mof",
			Participants: []string{"mof"}, Due: due, WarningWindow: window, UpdatedAt: now}
	}
	rows := []domain.BoardRow{
		row("a", domain.StatusSigning, now.Add(10*day), 5*day),
		row("b", domain.StatusSigning, now.Add(2*day), 5*day),
		row("c", domain.StatusSigning, now.Add(-time.Hour), 5*day),
		row("d", domain.StatusSigning, now.Add(-2*day), 0), // default window
		row("e", domain.StatusInReview, now.Add(3*day), day),
		row("f", domain.StatusInReview, now.Add(3*day), 5*day),
		row("g", domain.StatusClosed, now.Add(-day), 5*day),
		row("h", domain.StatusClosed, now.Add(-day), 5*day),
		row("i", domain.StatusCancelled, now.Add(day), 5*day),
		row("j", domain.StatusTerminated, now.Add(day), 5*day),
	}
	if n, err := b.Seed(ctx, rows); err != nil || n != len(rows) {
		t.Fatalf("seed: %d rows, %v", n, err)
	}
	m, err := New(func(err error) { t.Error(err) })
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CountTasks(ctx, b, now); err != nil {
		t.Fatal(err)
	}
	out := scrape(t, m)
	for _, want := range []string{
		`lianxi_tasks{status="signing",warning="green"} 1`,
		`lianxi_tasks{status="signing",warning="yellow"} 1`,
		`lianxi_tasks{status="signing",warning="red"} 2`,
		`lianxi_tasks{status="in_review",warning="green"} 1`,
		`lianxi_tasks{status="in_review",warning="yellow"} 1`,
		`lianxi_tasks{status="in_review",warning="red"} 0`,
		`lianxi_tasks{status="closed",warning=""} 2`,
		`lianxi_tasks{status="cancelled",warning=""} 1`,
		`lianxi_tasks{status="terminated",warning=""} 1`,
		`lianxi_tasks{status="timed_out",warning=""} 0`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	// Eight days on, the green sign-off has turned yellow without any
	// write: the light is read, not stored.
	if err := m.CountTasks(ctx, b, now.Add(8*day)); err != nil {
		t.Fatal(err)
	}
	if out := scrape(t, m); !strings.Contains(out, `lianxi_tasks{status="signing",warning="yellow"} 1`) ||
		!strings.Contains(out, `lianxi_tasks{status="signing",warning="red"} 3`) {
		t.Errorf("eight days on, want 1 yellow and 3 red sign-offs:\n%s", out)
	}
	if t.Failed() {
		t.Logf("scrape:\n%s", out)
	}
}
