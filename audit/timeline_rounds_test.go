package audit

import (
	"context"
	"fmt"
	"testing"
	"time"

	"lianxi/cycles"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/testkit"
	"lianxi/workflows"
)

// TestTimelineRounds runs two real reporting rounds over a task on the
// in-process server: in the first every participant owes a report and
// miit files one (ndrc's, filed before the round opened, does not count);
// the second asks the lead only, who stays silent. The timeline lists each
// round with each reporter's standing, the report's ledger record beside
// miit's, and "owed" while a round is still open.
func TestTimelineRounds(t *testing.T) {
	l := newLab(t)
	ctx := context.Background()
	id := l.start(spec("21"), 0)
	l.do(id, domain.UpdateReportProgress, "early", domain.ProgressRequest{Ministry: "ndrc", Text: "开局"})

	round := func(key, reporters string, during func()) {
		t.Helper()
		run, err := cycles.StartRound(ctx, l.c, workflows.TaskQueue, cycles.RoundInput{PlanID: "audit", RoundKey: key, Window: 3 * time.Second, Reporters: reporters})
		if err != nil {
			t.Fatal(err)
		}
		testkit.Eventually(t, "round "+key+" opened", func() (bool, string) {
			n := 0
			err := l.ledger.ScanKind(ctx, "audit", cycles.KindRoundOpened, func(r ledger.Record) error {
				if r.WorkflowID == cycles.RoundID("audit", key) {
					n++
				}
				return nil
			})
			return err == nil && n == 1, fmt.Sprintf("%d %v", n, err)
		})
		during()
		if err := run.Get(ctx, nil); err != nil {
			t.Fatalf("round %s: %v", key, err)
		}
	}
	var reportSeq int64
	round("2026-12", cycles.ReportersAll, func() {
		tl := &Timeline{WorkflowID: id}
		if err := tl.AddRounds(ctx, l.ledger); err != nil {
			t.Fatal(err)
		}
		if got := standings(tl); got != "2026-12 ndrc owed;2026-12 miit owed;2026-12 mof owed" {
			t.Errorf("while round 2026-12 is open: %s", got)
		}
		l.do(id, domain.UpdateReportProgress, "in-round", domain.ProgressRequest{Ministry: "miit", Text: "本期进展"})
		_ = l.ledger.ScanWorkflow(ctx, id, func(r ledger.Record) error {
			if r.Kind == domain.KindProgress && r.Ministry == "miit" {
				reportSeq = r.Seq
			}
			return nil
		})
	})
	round("2027-01", cycles.ReportersLead, func() {})

	tl := &Timeline{WorkflowID: id}
	if err := tl.AddRounds(ctx, l.ledger); err != nil {
		t.Fatal(err)
	}
	if got, want := standings(tl), "2026-12 ndrc missing;2026-12 miit reported #"+fmt.Sprint(reportSeq)+";2026-12 mof missing;2027-01 ndrc missing"; got != want || reportSeq == 0 {
		t.Errorf("rounds on the timeline:\n got %s\nwant %s", got, want)
	}
	for _, r := range tl.Rounds {
		if r.ClosedSeq == 0 || r.OpenedSeq == 0 || r.To.Sub(r.From) != 3*time.Second || r.RoundID != cycles.RoundID("audit", r.RoundKey) {
			t.Errorf("round %+v: want its opening and closing records and its 3-second window", r)
		}
	}
	// Another task of the plan was never asked: no rounds on its timeline.
	other := &Timeline{WorkflowID: "audit/99"}
	if err := other.AddRounds(ctx, l.ledger); err != nil || len(other.Rounds) != 0 {
		t.Errorf("a task no round asked about: %+v %v", other.Rounds, err)
	}
}

// standings writes a timeline's rounds as "key ministry state [#seq]".
func standings(tl *Timeline) string {
	s := ""
	for i, r := range tl.Rounds {
		if i > 0 {
			s += ";"
		}
		s += r.RoundKey + " " + r.Ministry + " " + r.State
		if r.Seq > 0 {
			s += fmt.Sprintf(" #%d", r.Seq)
		}
	}
	return s
}
