package cycles

import (
	"errors"
	"slices"
	"testing"
	"time"

	"lianxi/domain"
)

// TestBackfillOnServer backfills a monthly cycle's first quarter of 2026
// on the real server: each call runs the earliest date whose round never
// opened, a call while that round runs is refused, and once all three
// dates have their rounds a backfill over the same range does nothing.
// Each round is named for its missed date and starts under the ID the
// schedule gives that date.
func TestBackfillOnServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a Temporal server")
	}
	d := newDesk(t)
	cs, _ := serverCycles(t, d, &outbox{})
	ctx := t.Context()
	const plan = "plan-b"
	now := time.Now()
	d.assign(plan, "1.1", "ndrc", []string{"ndrc"}, domain.StatusSigning, now.Add(90*day), now.Add(-time.Hour))
	c := Cycle{PlanID: plan, ID: "monthly", Calendar: Monthly(25), Window: 2 * time.Second}
	if err := cs.Create(ctx, c, "office-zhang"); err != nil {
		t.Fatal(err)
	}
	// Paused, as after a long outage: a backfill still runs its round.
	if err := cs.Pause(ctx, plan, "monthly", "office-zhang", "停机"); err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	dates := []time.Time{time.Date(2026, 1, 25, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 25, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC)}
	for i, date := range dates {
		got, err := cs.Backfill(ctx, plan, "monthly", from, to, "office-li")
		if err != nil {
			t.Fatalf("backfill %d: %v", i+1, err)
		}
		if !got.Started.Equal(date) || !slices.EqualFunc(got.Ran, dates[:i], time.Time.Equal) || !slices.EqualFunc(got.Left, dates[i+1:], time.Time.Equal) {
			t.Fatalf("backfill %d: %+v, want %s started", i+1, got, date)
		}
		opened := waitFor(t, d, KindRoundOpened, i+1, 15*time.Second)
		if r := opened[i]; r.WorkflowID != ScheduleRoundPrefix(plan, "monthly")+"-"+date.Format(time.RFC3339) || r.Payload["round"] != date.Format(time.DateOnly) {
			t.Errorf("backfilled round %d: %s named %q", i+1, r.WorkflowID, r.Payload["round"])
		}
		if i == 0 {
			if _, err := cs.Backfill(ctx, plan, "monthly", from, to, "office-li"); !errors.Is(err, ErrRoundRunning) {
				t.Errorf("a backfill while a round runs: %v, want ErrRoundRunning", err)
			}
		}
		waitFor(t, d, KindBulletin, i+1, 15*time.Second)
		waitIdle(t, cs, plan)
	}
	got, err := cs.Backfill(ctx, plan, "monthly", from, to, "office-li")
	if err != nil || !got.Started.IsZero() || len(got.Ran) != 3 || len(got.Left) != 0 {
		t.Errorf("a backfill with nothing left: %+v %v, want nothing started", got, err)
	}
	time.Sleep(2 * time.Second)
	if n := len(d.records(KindRoundOpened)); n != 3 {
		t.Errorf("%d rounds opened, want one per date", n)
	}
	if recs := d.records(KindCycleTrigger); len(recs) != 3 || recs[0].Person != "office-li" || recs[0].Payload["backfill"] != dates[0].Format(time.RFC3339) {
		t.Errorf("backfill records: %+v, want three by office-li", recs)
	}
}

// waitIdle waits until the cycle's schedule runs no round.
func waitIdle(t *testing.T, cs *Cycles, plan string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		desc, err := cs.Schedules.GetHandle(t.Context(), ScheduleID(plan, "monthly")).Describe(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(desc.Info.RunningWorkflows) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cycle still runs %v", desc.Info.RunningWorkflows)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
