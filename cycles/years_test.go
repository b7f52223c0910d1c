package cycles

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"lianxi/domain"
)

// quarters stands in for a cycle's schedule in the SDK's test environment,
// which has no schedules: it waits for each date of the calendar and starts
// the round as a child with the ID the schedule would give it, skipping the
// dates the office paused. The schedule itself is tested on the server.
func quarters(ctx workflow.Context, c Cycle, dates int, paused []string) (int, error) {
	ran := 0
	for i := 0; i < dates; i++ {
		at := c.Calendar.Next(workflow.Now(ctx))
		if err := workflow.Sleep(ctx, at.Sub(workflow.Now(ctx))); err != nil {
			return ran, err
		}
		key := roundKey(at)
		if slices.Contains(paused, key) {
			continue
		}
		in := c.input()
		in.RoundKey = key
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: RoundID(c.PlanID, key)})
		if err := workflow.ExecuteChildWorkflow(cctx, WorkflowName, in).Get(ctx, nil); err != nil {
			return ran, fmt.Errorf("round %s: %w", key, err)
		}
		ran++
	}
	return ran, nil
}

// TestQuarterlyCycleOverTwoYears runs a quarterly cycle (the 25th of each
// quarter's last month, a 10-day window, a reminder 3 days before the
// close) from March 2027 to March 2029 in skipped time: nine dates, one
// paused, eight bulletins. Task 1.1's lead reports every quarter, task 2.1's
// only in even quarters, and 1.2 closes in the middle of the third round.
func TestQuarterlyCycleOverTwoYears(t *testing.T) {
	d := newDesk(t)
	box := &outbox{}
	const plan = "plan-q"
	begin := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	d.assign(plan, "1.1", "ndrc", []string{"ndrc", "miit"}, domain.StatusSigning, begin.Add(1000*day), begin)
	d.assign(plan, "1.2", "miit", []string{"miit"}, domain.StatusSigning, begin.Add(1000*day), begin)
	d.assign(plan, "2.1", "mof", []string{"mof"}, domain.StatusSigning, begin.Add(1000*day), begin)

	env := newRoundEnv(t, d, box)
	env.RegisterWorkflow(quarters)
	env.SetStartTime(begin)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "cycle/" + plan + "/quarterly"})
	c := Cycle{PlanID: plan, ID: "quarterly", Calendar: Quarterly(25), Window: 10 * day, RemindBefore: 3 * day}

	var dates []time.Time
	for at := begin; len(dates) < 9; {
		at = c.Calendar.Next(at)
		dates = append(dates, at)
	}
	if dates[8] != time.Date(2029, 3, 25, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("the ninth quarterly date is %s, want 2029-03-25", dates[8])
	}
	paused := roundKey(dates[4]) // 2028-03-25
	for i, at := range dates {
		off := at.Sub(begin)
		env.RegisterDelayedCallback(func() { d.report(plan, "1.1", "ndrc", fmt.Sprintf("第%d季度进展", i+1), env.Now()) }, off+2*day)
		if i%2 == 1 {
			env.RegisterDelayedCallback(func() { d.report(plan, "2.1", "mof", "进展", env.Now()) }, off+9*day)
		}
		if i == 2 {
			env.RegisterDelayedCallback(func() { d.end(plan, "1.2", domain.KindClosure, domain.StatusClosed, env.Now()) }, off+5*day)
		}
	}

	env.ExecuteWorkflow(quarters, c, len(dates), []string{paused})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("cycle: %v", err)
	}
	var ran int
	if err := env.GetWorkflowResult(&ran); err != nil {
		t.Fatal(err)
	}
	bs := bulletins(t, d.records(KindBulletin))
	if ran != 8 || len(bs) != 8 {
		t.Fatalf("%d rounds ran, %d bulletins issued; want 8 and 8", ran, len(bs))
	}
	var keys []string
	for i, b := range bs {
		keys = append(keys, b.RoundKey)
		checkAgainstLedger(t, d, b)
		// The date index of this bulletin, counting the paused one.
		q := i
		if i >= 4 {
			q++
		}
		var want []string
		if q < 2 {
			want = append(want, "1.2:miit")
		}
		if q%2 == 0 {
			want = append(want, "2.1:mof")
		}
		if got := answers(b.Missing); got != strings.Join(want, ",") {
			t.Errorf("round %s missing %q, want %q", b.RoundKey, got, strings.Join(want, ","))
		}
		if q == 2 && (len(b.NewlyClosed) != 1 || b.NewlyClosed[0].TaskNo != "1.2" || !slices.Equal(b.Dropped, []string{"1.2"})) {
			t.Errorf("round %s: newly closed %v, dropped %v; want 1.2 in both", b.RoundKey, b.NewlyClosed, b.Dropped)
		}
		if len(b.Reports) != 1+q%2 {
			t.Errorf("round %s quotes %d reports, want %d", b.RoundKey, len(b.Reports), 1+q%2)
		}
	}
	issued, err := Bulletins(t.Context(), d.ledger, plan)
	if err != nil || len(issued) != 8 {
		t.Fatalf("listed %d bulletins (%v), want 8", len(issued), err)
	}
	for i, is := range issued {
		if is.Bulletin.RoundKey != keys[i] || is.SHA256 == "" || (i > 0 && is.SHA256 == issued[i-1].SHA256) {
			t.Errorf("listed bulletin %d: round %s hash %q", i, is.Bulletin.RoundKey, is.SHA256)
		}
	}
	if slices.Contains(keys, paused) {
		t.Errorf("the paused quarter %s ran: %v", paused, keys)
	}
	if got := len(d.records(KindRoundReminder)); got != 8 {
		t.Errorf("%d reminder records, want 8 (every round has someone missing on day 7)", got)
	}
}
