package workflows

import (
	"errors"
	"lianxi/domain"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"
)

// The server's suggestion ends the run with continue-as-new once handlers
// finish, and the next run picks up every answer, receipt and timer.
func TestContinueAsNewCarriesState(t *testing.T) {
	h := newHarness(t)
	h.at(time.Hour, func() { h.update(domain.UpdateSignOff, "mof", signOff("mof", domain.DecisionApprove)) })
	h.at(2*time.Hour, func() {
		h.update(domain.UpdateReportProgress, "p", domain.ProgressRequest{Ministry: "miit", Text: "进展"})
	})
	h.at(3*time.Hour, func() { h.env.SetContinueAsNewSuggested(true) })
	h.run(spec())

	h.ok("p")
	var can *workflow.ContinueAsNewError
	if err := h.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("workflow ended with %v, want continue-as-new", err)
	}
	var next TaskInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.State == nil || !next.State.Assigned || len(next.State.Progress) != 1 {
		t.Fatalf("state not carried: %+v", next.State)
	}

	// The next run, on the same ledger: assigned is not recorded again, a
	// retried request is answered from the carried receipt, the task closes.
	h2 := newHarnessWith(t, h.ledger)
	h2.at(time.Hour, func() { h2.update(domain.UpdateSignOff, "mof", signOff("mof", domain.DecisionApprove)) })
	h2.at(2*time.Hour, func() { h2.update(domain.UpdateSignOff, "miit", signOff("miit", domain.DecisionApprove)) })
	h2.at(3*time.Hour, func() { h2.update(domain.UpdateSignOff, "lead", leadReport()) })
	h2.at(4*time.Hour, func() { h2.update(domain.UpdateReview, "ok", domain.ReviewRequest{Decision: domain.DecisionApprove}) })
	h2.env.ExecuteWorkflow(TaskWorkflow, next)
	if r := h2.ok("mof"); r.DecisionID != h.ok("mof").DecisionID || r.Seq != h.ok("mof").Seq {
		t.Errorf("retried request got a new receipt %+v, want %+v", r, h.ok("mof"))
	}
	out := h2.outcome()
	if out.Status != domain.StatusClosed || out.Decisions != 6 {
		t.Errorf("outcome %+v, want closed with 6 decisions (assigned, 3 sign-offs, progress, closure)", out)
	}
}
