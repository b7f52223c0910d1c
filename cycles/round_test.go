package cycles

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"lianxi/activities"
	"lianxi/domain"
	"lianxi/ledger"
)

var start = time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// newRoundEnv is the SDK's time-skipping environment with the round and the
// real recording activity on d's ledger.
func newRoundEnv(t *testing.T, d *desk, box *outbox) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterActivity(&activities.Activities{Ledger: d.ledger, Outbox: box, Board: d.board, Notifier: box})
	RegisterOn(env, d.ledger, d.board)
	return env
}

// TestRoundWindowAndBulletin runs one round of ten days with a reminder
// three days before the close. Reports before the window and after the
// close do not count; a task closed on day 3 drops out; the bulletin's
// figures are the ledger's.
func TestRoundWindowAndBulletin(t *testing.T) {
	d := newDesk(t)
	const plan = "plan-c"
	d.assign(plan, "1.1", "ndrc", []string{"ndrc", "miit"}, domain.StatusSigning, start.Add(60*day), start.Add(-30*day))
	d.assign(plan, "1.2", "miit", []string{"miit"}, domain.StatusSigning, start.Add(60*day), start.Add(-30*day))
	d.assign(plan, "2.1", "mof", []string{"mof"}, domain.StatusInReview, start.Add(20*day), start.Add(-30*day))
	d.assign(plan, "2.2", "mofcom", []string{"mofcom"}, domain.StatusSigning, start.Add(5*day), start.Add(-30*day))
	d.assign(plan, "3.1", "most", []string{"most"}, domain.StatusSigning, start.Add(5*day), start.Add(-30*day))
	d.end(plan, "3.1", domain.KindClosure, domain.StatusClosed, start.Add(-5*day))
	d.assign("other-plan", "1.1", "ndrc", []string{"ndrc"}, domain.StatusSigning, start.Add(5*day), start.Add(-30*day))
	// Outside the window: an hour before it opens, and an hour after it closes.
	d.report(plan, "1.1", "miit", "早报", start.Add(-time.Hour))
	d.report(plan, "1.1", "ndrc", "迟报", start.Add(10*day+time.Hour))

	box := &outbox{}
	env := newRoundEnv(t, d, box)
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: RoundID(plan, "2026-12")})
	long := strings.Repeat("推进", ExcerptLen)
	env.RegisterDelayedCallback(func() { d.report(plan, "2.2", "mofcom", "已完成初稿", env.Now()) }, 1*day)
	env.RegisterDelayedCallback(func() { d.report(plan, "1.1", "ndrc", long, env.Now()) }, 2*day)
	env.RegisterDelayedCallback(func() { d.end(plan, "1.2", domain.KindClosure, domain.StatusClosed, env.Now()) }, 3*day)
	env.RegisterDelayedCallback(func() { d.extend(plan, "1.1", "ndrc", start.Add(90*day), env.Now()) }, 4*day)
	env.RegisterDelayedCallback(func() {
		if n := box.count(NotifyRoundReminder); n != 2 {
			t.Errorf("reminders on day 7: %d, want 2 (1.1 miit, 2.1 mof)", n)
		}
	}, 7*day+time.Hour)
	env.RegisterDelayedCallback(func() { d.report(plan, "2.1", "mof", "已报送审核", env.Now()) }, 8*day)
	// 本期待报送 as the inboxes read it: miit owes 1.1 (its early report
	// does not count) and 1.2; ndrc owes nothing once it has reported.
	owes := func(m string) string {
		got, err := OwedBy(t.Context(), d.ledger, m)
		if err != nil {
			t.Fatal(err)
		}
		var nos []string
		for _, o := range got {
			if o.RoundKey != "2026-12" || !o.Closes.Equal(start.Add(10*day)) {
				t.Errorf("owed %+v, want round 2026-12 closing %s", o, start.Add(10*day))
			}
			nos = append(nos, o.TaskNo)
		}
		return strings.Join(nos, ",")
	}
	env.RegisterDelayedCallback(func() {
		if got := owes("miit"); got != "1.1,1.2" {
			t.Errorf("miit owes %q on day 1, want 1.1,1.2", got)
		}
		if got := owes("ndrc"); got != "1.1" {
			t.Errorf("ndrc owes %q on day 1, want 1.1", got)
		}
	}, 1*day+time.Hour)
	env.RegisterDelayedCallback(func() {
		if got := owes("ndrc"); got != "" {
			t.Errorf("ndrc owes %q after reporting, want nothing", got)
		}
	}, 2*day+time.Hour)

	env.ExecuteWorkflow(WorkflowName, RoundInput{PlanID: plan, RoundKey: "2026-12", Window: 10 * day, RemindBefore: 3 * day, Reporters: ReportersAll})
	if !env.IsWorkflowCompleted() {
		t.Fatal("the round did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("round: %v", err)
	}
	var res RoundResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}

	if n := box.count(NotifyRoundRequest); n != 5 {
		t.Errorf("本期待报送 notices: %d, want 5 (1.1 ndrc, 1.1 miit, 1.2 miit, 2.1 mof, 2.2 mofcom)", n)
	}
	if n := box.count(NotifyBulletin); n != 1 {
		t.Errorf("bulletin notices to the office: %d, want 1", n)
	}
	bs := d.records(KindBulletin)
	if len(bs) != 1 {
		t.Fatalf("bulletin records: %d, want 1", len(bs))
	}
	if bs[0].Seq != res.BulletinSeq || bs[0].Payload[PayloadSHA256] != res.BulletinHash {
		t.Errorf("the round's result names record %d %s, the ledger holds %d %s", res.BulletinSeq, res.BulletinHash, bs[0].Seq, bs[0].Payload[PayloadSHA256])
	}
	b, err := Open(bs[0])
	if err != nil {
		t.Fatal(err)
	}

	got := summary{
		ByStatus: b.ByStatus, BySection: b.BySection,
		NewlyClosed: taskNos(b.NewlyClosed), Overdue: taskNos(b.Overdue), DueSoon: taskNos(b.DueSoon),
		Extensions: len(b.Extensions), Reports: len(b.Reports), Reported: b.Reported, Missing: b.Missing, Silent: b.Silent, Dropped: b.Dropped,
	}
	want := summary{
		ByStatus:    map[string]int{domain.StatusSigning: 3, domain.StatusInReview: 1, domain.StatusClosed: 2},
		BySection:   map[string]int{"1": 1, "2": 2},
		NewlyClosed: []string{"1.2"}, Overdue: []string{"2.2"}, DueSoon: []string{"2.1"},
		Extensions: 1, Reports: 3,
		Reported: []Answer{{"1.1", "ndrc"}, {"2.1", "mof"}, {"2.2", "mofcom"}},
		Missing:  []Answer{{"1.1", "miit"}},
		Silent:   []string{"miit"}, Dropped: []string{"1.2"},
	}
	// other-plan's task is not this plan's: only plan-c's rows count.
	want.ByStatus[domain.StatusSigning] = 2
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bulletin mismatch (-want +got):\n%s", diff)
	}

	// The same figures straight from the ledger.
	inWin := 0
	for _, r := range d.records(domain.KindProgress) {
		if r.PlanID == plan && inWindow(r.At, start, start.Add(10*day)) {
			inWin++
		}
	}
	if inWin != len(b.Reports) {
		t.Errorf("bulletin quotes %d reports, the ledger holds %d inside the window", len(b.Reports), inWin)
	}
	for _, e := range b.Reports {
		if n := len([]rune(e.Text)); n > ExcerptLen+1 {
			t.Errorf("excerpt of %s is %d characters, over %d", e.TaskNo, n, ExcerptLen)
		}
	}
	closed := d.records(KindRoundClosed)
	if len(closed) != 1 || closed[0].Payload["missing"] != "1.1:miit" || closed[0].Payload["dropped"] != "1.2" {
		t.Errorf("round-closed records: %+v, want one naming 1.1:miit missing and 1.2 dropped", closed)
	}
	if opened := d.records(KindRoundOpened); len(opened) != 1 || !opened[0].At.Equal(start) {
		t.Errorf("round-opened records: %+v, want one at %s", opened, start)
	}
	if got, err := OwedBy(t.Context(), d.ledger, "miit"); err != nil || len(got) != 0 {
		t.Errorf("after the close miit owes %+v (%v), want nothing", got, err)
	}
	if v, err := ledger.Verify(t.Context(), d.ledger); err != nil || !v.OK {
		t.Errorf("ledger verify: %+v, %v", v, err)
	}
}

// summary is the part of a bulletin a test compares.
type summary struct {
	ByStatus, BySection           map[string]int
	NewlyClosed, Overdue, DueSoon []string
	Extensions, Reports           int
	Reported, Missing             []Answer
	Silent, Dropped               []string
}

func taskNos(ls []TaskLine) []string {
	out := []string{}
	for _, l := range ls {
		out = append(out, l.TaskNo)
	}
	return out
}

// TestOpenRefusesAlteredBulletin shows a bulletin edited after issue no
// longer matches the hash recorded beside it.
func TestOpenRefusesAlteredBulletin(t *testing.T) {
	raw, sum, err := Seal(Bulletin{PlanID: "p", RoundKey: "2026-12", ByStatus: map[string]int{"signing": 3}})
	if err != nil {
		t.Fatal(err)
	}
	rec := ledger.Record{Entry: domain.Entry{Kind: KindBulletin, Payload: map[string]string{PayloadBulletin: raw, PayloadSHA256: sum}}}
	if _, err := Open(rec); err != nil {
		t.Fatalf("the issued bulletin: %v", err)
	}
	rec.Payload[PayloadBulletin] = strings.Replace(raw, `"signing":3`, `"signing":2`, 1)
	if _, err := Open(rec); err == nil {
		t.Fatal("an altered bulletin opened without complaint")
	}
}
