package cycles

import (
	"context"
	"testing"
	"time"

	"lianxi/domain"
	"lianxi/ledger"
)

// A report filed in the same second as a round opened, but before it,
// is from before the round: the lead still owes the round's report, in its
// inbox and on the task's timeline.
func TestReportJustBeforeTheRoundOpens(t *testing.T) {
	d := newDesk(t)
	const plan = "plan-o"
	opens := time.Date(2026, 12, 25, 9, 0, 0, 600_000_000, time.UTC)
	d.assign(plan, "1.1", "ndrc", []string{"ndrc"}, domain.StatusSigning, opens.Add(60*day), opens.Add(-day))
	d.report(plan, "1.1", "ndrc", "开期前", opens.Add(-300*time.Millisecond))
	closes := opens.Add(10 * day)
	if _, err := d.ledger.Append(context.Background(), ledger.Entry{DecisionID: "r/round-opened", WorkflowID: RoundID(plan, "2026-12"), PlanID: plan,
		Kind: KindRoundOpened, Ministry: domain.ActorSystem, At: opens, Payload: domain.Fields("round", "2026-12",
			"from", opens.Format(time.RFC3339), "to", closes.Format(time.RFC3339), "owed", "1.1:ndrc")}); err != nil {
		t.Fatal(err)
	}
	owed, err := OwedBy(t.Context(), d.ledger, "ndrc")
	if err != nil || len(owed) != 1 || owed[0].TaskNo != "1.1" {
		t.Errorf("ndrc owes %+v (%v), want the round's report on 1.1", owed, err)
	}
	rs, err := TaskReports(t.Context(), d.ledger, domain.WorkflowID(plan, "1.1"))
	if err != nil || len(rs) != 1 || rs[0].State != StateOwed || rs[0].Seq != 0 {
		t.Errorf("the task's rounds %+v (%v), want one still owed", rs, err)
	}
}
