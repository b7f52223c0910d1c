package cycles

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/server/temporaltest"

	"lianxi/activities"
	"lianxi/domain"
	"lianxi/ledger"
)

const queue = "lianxi-cycles-test"

// serverCycles is a real in-process Temporal server with a worker running
// the round against d's SQLite ledger, and the cycles of that server.
func serverCycles(t *testing.T, d *desk, box *outbox) (*Cycles, client.Client) {
	t.Helper()
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	acts := &activities.Activities{Ledger: d.ledger, Outbox: box, Board: d.board, Notifier: box}
	ts.NewWorkerWithOptions(queue, func(r sdkworker.Registry) {
		r.RegisterActivity(acts)
		RegisterOn(r, d.ledger, d.board)
	}, sdkworker.Options{})
	c := ts.GetDefaultClient()
	return &Cycles{Schedules: c.ScheduleClient(), Ledger: d.ledger, TaskQueue: queue, Now: time.Now}, c
}

// waitFor polls the ledger until it holds n records of kind.
func waitFor(t *testing.T, d *desk, kind string, n int, within time.Duration) []ledger.Record {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		recs := d.records(kind)
		if len(recs) >= n {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d %s records after %s, want %d", len(recs), kind, within, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestCycleOnServer lets a cycle's schedule (a round every 10 seconds,
// each open 4 seconds) run two rounds on the real server, pauses it and
// sees no round start, then triggers one by hand. Each bulletin is checked
// against the ledger.
func TestCycleOnServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a Temporal server for about half a minute")
	}
	d := newDesk(t)
	box := &outbox{}
	cs, tc := serverCycles(t, d, box)
	ctx := t.Context()
	const plan = "plan-s"
	now := time.Now()
	d.assign(plan, "1.1", "ndrc", []string{"ndrc", "miit"}, domain.StatusSigning, now.Add(90*day), now.Add(-time.Hour))
	d.assign(plan, "2.1", "mof", []string{"mof"}, domain.StatusSigning, now.Add(10*day), now.Add(-time.Hour))

	c := Cycle{PlanID: plan, ID: "drill", Calendar: Calendar{EverySeconds: 10}, Window: 4 * time.Second, RemindBefore: 2 * time.Second}
	if err := cs.Create(ctx, c, "office-zhang"); err != nil {
		t.Fatal(err)
	}
	if err := cs.Create(ctx, c, "office-zhang"); !errors.Is(err, ErrCycleExists) {
		t.Errorf("a second cycle with the same ID: %v, want ErrCycleExists", err)
	}

	// Round 1: the lead of 1.1 reports while it is open; mof does not.
	waitFor(t, d, KindRoundOpened, 1, 15*time.Second)
	d.report(plan, "1.1", "ndrc", "第一期进展", time.Now())
	b1 := bulletins(t, waitFor(t, d, KindBulletin, 1, 10*time.Second))[0]
	if got, want := answers(b1.Reported), "1.1:ndrc"; got != want {
		t.Errorf("round 1 reported %q, want %q", got, want)
	}
	if got, want := answers(b1.Missing), "2.1:mof"; got != want {
		t.Errorf("round 1 missing %q, want %q", got, want)
	}
	if n := box.count(NotifyRoundReminder); n < 1 {
		t.Errorf("round 1 sent %d reminders, want one to mof", n)
	}

	// Round 2: nobody reports; ndrc's report belongs to round 1's window.
	bs := bulletins(t, waitFor(t, d, KindBulletin, 2, 15*time.Second))
	if got, want := answers(bs[1].Missing), "1.1:ndrc,2.1:mof"; got != want {
		t.Errorf("round 2 missing %q, want %q", got, want)
	}
	if bs[0].RoundKey == bs[1].RoundKey || bs[0].RoundID == bs[1].RoundID {
		t.Errorf("two rounds share a key or an ID: %s %s", bs[0].RoundID, bs[1].RoundID)
	}
	for _, b := range bs {
		checkAgainstLedger(t, d, b)
	}

	// Paused, no round starts; a trigger starts one at once.
	if err := cs.Pause(ctx, plan, "drill", "office-zhang", "全会期间暂停"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Second) // a running round may still close
	opened := len(d.records(KindRoundOpened))
	time.Sleep(11 * time.Second)
	if n := len(d.records(KindRoundOpened)); n != opened {
		t.Errorf("a paused cycle opened %d rounds", n-opened)
	}
	listed := waitListed(t, cs, plan, true)
	if listed.Calendar.EverySeconds != 10 || listed.Window != 4*time.Second {
		t.Errorf("listed cycle %+v, want the one created", listed)
	}
	changed := c
	changed.Calendar, changed.Window, changed.RemindBefore = Calendar{EverySeconds: 20}, 3*time.Second, 0
	if err := cs.Change(ctx, changed, "office-zhang"); err != nil {
		t.Fatal(err)
	}
	if got := waitListed(t, cs, plan, true); got.Calendar.EverySeconds != 20 || got.Window != 3*time.Second || got.RemindBefore != 0 {
		t.Errorf("listed cycle after the change %+v", got)
	}
	if err := cs.Trigger(ctx, plan, "drill", "office-zhang"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, KindRoundOpened, opened+1, 5*time.Second)
	if err := cs.Resume(ctx, plan, "drill", "office-li", ""); err != nil {
		t.Fatal(err)
	}
	if err := cs.Delete(ctx, plan, "drill", "office-li"); err != nil {
		t.Fatal(err)
	}
	if err := cs.Pause(ctx, plan, "drill", "office-li", ""); !errors.Is(err, ErrNoCycle) {
		t.Errorf("pausing a deleted cycle: %v, want ErrNoCycle", err)
	}
	// A round by hand runs once under its key.
	in := RoundInput{PlanID: plan, RoundKey: "special", Window: time.Second}
	run, err := StartRound(ctx, tc, queue, in)
	if err != nil {
		t.Fatal(err)
	}
	var res RoundResult
	if err := run.Get(ctx, &res); err != nil || res.RoundKey != "special" || res.BulletinHash == "" {
		t.Fatalf("round by hand: %+v %v", res, err)
	}
	if _, err := StartRound(ctx, tc, queue, in); err == nil {
		t.Error("a round key ran twice")
	}

	for kind, by := range map[string]string{KindCycleCreated: "office-zhang", KindCycleChanged: "office-zhang", KindCyclePaused: "office-zhang",
		KindCycleTrigger: "office-zhang", KindCycleResumed: "office-li", KindCycleDeleted: "office-li"} {
		recs := d.records(kind)
		if len(recs) != 1 || recs[0].Person != by || recs[0].PlanID != plan {
			t.Errorf("%s records: %+v, want one by %s", kind, recs, by)
		}
	}
}

// bulletins opens the bulletin records, checking each one's hash.
func bulletins(t *testing.T, recs []ledger.Record) []Bulletin {
	t.Helper()
	var out []Bulletin
	for _, r := range recs {
		b, err := Open(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// checkAgainstLedger counts, straight from the ledger, the progress
// reports inside a bulletin's window and its round's closing record.
func checkAgainstLedger(t *testing.T, d *desk, b Bulletin) {
	t.Helper()
	n := 0
	for _, r := range d.records(domain.KindProgress) {
		if r.PlanID == b.PlanID && inWindow(r.At, b.From, b.To) {
			n++
		}
	}
	if n != len(b.Reports) {
		t.Errorf("bulletin %s quotes %d reports, the ledger holds %d in its window", b.RoundKey, len(b.Reports), n)
	}
	for _, r := range d.records(KindRoundClosed) {
		if r.WorkflowID == b.RoundID {
			if r.Payload["missing"] != answers(b.Missing) || r.Payload["reported"] != answers(b.Reported) {
				t.Errorf("round %s closed with %v, its bulletin says reported %v missing %v", b.RoundKey, r.Payload, b.Reported, b.Missing)
			}
			return
		}
	}
	t.Errorf("no round-closed record for %s", b.RoundID)
}

// waitListed waits until List shows the plan's one cycle paused or not.
func waitListed(t *testing.T, cs *Cycles, plan string, paused bool) Cycle {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := cs.List(context.Background(), plan)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 && got[0].Paused == paused {
			return got[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("cycles of %s: %+v, want one with paused=%v", plan, got, paused)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
