package console

import (
	"context"
	"strings"
	"testing"

	"time"

	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/taskclient"
)

// A structured plan with problems is refused whole, every problem listed,
// nothing started; a plan_id inside a JSON plan is the plan's name.
func TestInvalidPlanStartsNothing(t *testing.T) {
	s := newStack(t)
	evil := `{"plan_id":"evil","tasks":[
		{"no":"1.1","title":"重复","participants":[{"id":"ndrc"},{"id":"ndrc"}]},
		{"no":"1.2","title":"牵头不在","lead":"nosuch","participants":[{"id":"nosuch"},{"id":"miit"}]},
		{"no":"1.3","title":"空","participants":[{"id":""}]},
		{"no":"../../x","title":"路径","participants":[{"id":"mof"}]}]}`
	a := s.call("office", "POST", "/api/plans", []byte(evil))
	if a.status != 400 {
		t.Fatalf("invalid plan: %d %s", a.status, a.body)
	}
	for _, want := range []string{"1.1", "listed twice", "nosuch", "1.3", "../../x", "N.M"} {
		if !strings.Contains(a.err.Message, want) {
			t.Errorf("the refusal does not mention %q: %s", want, a.err.Message)
		}
	}
	if list, err := s.tasks.List(context.Background(), taskclient.Filter{Plan: "evil"}); err != nil || len(list) != 0 {
		t.Errorf("an invalid plan started %d tasks (%v)", len(list), err)
	}
	good := `{"plan_id":"named","tasks":[{"no":"1.1","title":"好","lead":"ndrc","participants":[{"id":"ndrc","role":"lead"},{"id":"miit","role":"co"}]}]}`
	if a := s.call("office", "POST", "/api/plans?dry_run=1", []byte(good)); a.status != 200 || !strings.Contains(a.body, `"plan_id":"named"`) {
		t.Errorf("a JSON plan's own plan_id: %d %.300s", a.status, a.body)
	}
}

// The ledger decides what may be launched: a task the ledger shows
// cancelled, whose workflow Temporal no longer has (retention deleted it),
// is not started again.
func TestLedgerKeepsFinishedTasksFinished(t *testing.T) {
	s := newStack(t)
	// What the workflow recorded before retention removed its history.
	if _, err := s.ledger.Append(context.Background(), ledger.Entry{DecisionID: "gone/1.1/office:cancel:c1", WorkflowID: "gone/1.1",
		RunID: "r", PlanID: "gone", TaskNo: "1.1", Round: 1, Kind: domain.KindCancel, Ministry: "office", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.raw.DescribeWorkflowExecution(context.Background(), "gone/1.1", ""); err == nil {
		t.Fatal("Temporal should not know gone/1.1")
	}
	plan := `{"plan_id":"gone","tasks":[{"no":"1.1","title":"已撤销","lead":"ndrc","participants":[{"id":"ndrc","role":"lead"},{"id":"miit","role":"co"}]},
		{"no":"1.2","title":"新任务","lead":"ndrc","participants":[{"id":"ndrc","role":"lead"},{"id":"mof","role":"co"}]}]}`
	a := s.call("office", "POST", "/api/plans", []byte(plan))
	if a.status != 200 || !strings.Contains(a.body, `"started":1`) || !strings.Contains(a.body, "1.1 was cancelled (已撤销) on") {
		t.Errorf("relaunch after deletion: %d %s", a.status, a.body)
	}
	if _, err := s.raw.DescribeWorkflowExecution(context.Background(), "gone/1.1", ""); err == nil {
		t.Error("the cancelled task was started again")
	}
}
