package e2e

import (
	"context"
	"fmt"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"

	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/starter"
	"lianxi/testkit"
	"lianxi/workflows"
)

// A caller that did not hear its answer sends the same request ID again:
// once the first was accepted, and again after the task continued as new.
// Each time the answer is the first receipt and the decision is on the
// ledger once. Within a run the server answers a repeated update ID itself;
// after a continue-as-new only the receipts the workflow carries can.
func TestRetriedRequestAnsweredWithFirstReceipt(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	spec := domain.TaskSpec{PlanID: "e2e", TaskNo: "3.1", Title: "回执测试任务",
		Lead: "ndrc", Participants: []string{"ndrc", "miit", "mof"}}
	opts := starter.StartOptions(spec)
	id := opts.ID
	// A short history limit, so a few progress reports end the first run.
	run, err := e.client.ExecuteWorkflow(ctx, opts, workflows.WorkflowName, workflows.TaskInput{Spec: spec, ContinueAsNewAfter: 40})
	if err != nil {
		t.Fatal(err)
	}
	firstRun := run.GetRunID()
	signOff := domain.SignOffRequest{Ministry: "mof", Decision: "approve"}

	first := e.mustUpdate(id, domain.UpdateSignOff, "mof-1", signOff)
	if again := e.mustUpdate(id, domain.UpdateSignOff, "mof-1", signOff); again != first {
		t.Errorf("retried in the same run: receipt %+v, want the first %+v", again, first)
	}

	var currentRun string
	reports := 0
	testkit.Eventually(t, "the task to continue as new", func() (bool, string) {
		d, err := e.client.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return false, err.Error()
		}
		currentRun = d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
		if currentRun != firstRun {
			return true, ""
		}
		// Each accepted update lengthens the history towards the limit.
		reports++
		_, err = e.update(id, domain.UpdateReportProgress, fmt.Sprint("progress-", reports), domain.ProgressRequest{Ministry: "miit", Text: "进展"})
		return false, fmt.Sprintf("run %s with %d events after %d progress reports (%v)",
			currentRun, d.GetWorkflowExecutionInfo().GetHistoryLength(), reports, err)
	})

	if after := e.mustUpdate(id, domain.UpdateSignOff, "mof-1", signOff); after != first {
		t.Errorf("retried after continue-as-new: receipt %+v, want the first %+v", after, first)
	}
	if !updateInHistory(t, e, id, currentRun, "mof-1") {
		t.Errorf("the new run's history has no update mof-1: the retry did not reach the workflow's receipts")
	}

	var records []ledger.Record
	if err := e.ledger.Scan(ctx, func(r ledger.Record) error {
		if r.DecisionID == first.DecisionID {
			records = append(records, r)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(records) != 1 || records[0].RunID != firstRun || records[0].Seq != first.Seq {
		t.Errorf("decision %s on the ledger: %+v, want once, recorded by the first run", first.DecisionID, records)
	}

	// The workflow counts the decisions it made; the retries are not among them.
	e.mustUpdate(id, domain.UpdateCancel, "cancel", domain.CancelRequest{Reason: "测试结束"})
	out, err := e.outcome(id)
	if err != nil || out.Status != domain.StatusCancelled {
		t.Fatalf("outcome %+v %v, want cancelled", out, err)
	}
	if res, err := ledger.Verify(ctx, e.ledger); err != nil || !res.OK || res.Count != int64(out.Decisions) {
		t.Errorf("ledger %+v %v, want OK with the %d decisions the workflow made", res, err, out.Decisions)
	}
}

// updateInHistory reports whether the run accepted an update with this ID.
func updateInHistory(t *testing.T, e *env, id, runID, updateID string) bool {
	t.Helper()
	it := e.client.GetWorkflowHistory(context.Background(), id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes(); a != nil && a.GetAcceptedRequest().GetMeta().GetUpdateId() == updateID {
			return true
		}
	}
	return false
}
