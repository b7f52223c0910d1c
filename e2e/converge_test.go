package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"lianxi/board"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/starter"
	"lianxi/taskclient"
)

// launchOne starts one task and returns its workflow ID; the env's task
// client reads the board and the ledger too, as the console's does.
func (e *env) launchOne(spec domain.TaskSpec) string {
	e.t.Helper()
	e.tasks.Board, e.tasks.Ledger = e.board, e.ledger
	if rep, err := starter.Launch(context.Background(), e.client, []domain.TaskSpec{spec}, starter.Options{}); err != nil || rep.Started != 1 {
		e.t.Fatalf("launch: %+v %v", rep, err)
	}
	return domain.WorkflowID(spec.PlanID, spec.TaskNo)
}

// kinds counts a task's records by kind, and each decision ID's records.
func (e *env) kinds(id string) (map[string]int, map[string]int) {
	e.t.Helper()
	kinds, ids := map[string]int{}, map[string]int{}
	if err := e.ledger.ScanWorkflow(context.Background(), id, func(r ledger.Record) error {
		kinds[r.Kind]++
		ids[r.DecisionID]++
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	for d, n := range ids {
		if n != 1 {
			e.t.Errorf("decision %s is on the ledger %d times", d, n)
		}
	}
	return kinds, ids
}

// ghost puts on the ledger a decision whose workflow task never completed,
// as a process killed between the record and the workflow task leaves it.
func (e *env) ghost(id, requestID, action, kind, actor string, req any, payload map[string]string) {
	e.t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		e.t.Fatal(err)
	}
	p := map[string]string{domain.PayloadAction: action, domain.PayloadRequest: string(b)}
	for k, v := range payload {
		p[k] = v
	}
	if _, err := e.ledger.Append(context.Background(), ledger.Entry{
		DecisionID: id + "/" + requestID, WorkflowID: id, RunID: "killed-run", PlanID: "conv", TaskNo: id[len("conv/"):],
		Round: 1, Kind: kind, Ministry: actor, Payload: p, At: time.Now().UTC(),
	}); err != nil {
		e.t.Fatal(err)
	}
}

func TestGhostRecordsAreAdopted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.launchOne(domain.TaskSpec{PlanID: "conv", TaskNo: "1.1", Title: "补齐测试", Lead: "ndrc", Participants: []string{"ndrc", "miit", "mof"}})
	e.mustUpdate(id, domain.UpdateSignOff, "mof", domain.SignOffRequest{Ministry: "mof", Decision: "approve"})

	miit := domain.SignOffRequest{Ministry: "miit", Decision: "approve", Signer: "张三"}
	e.ghost(id, "ghost-miit", domain.UpdateSignOff, domain.KindSignOff, "miit", miit, map[string]string{"decision": "approve"})
	report := domain.ProgressRequest{Ministry: "miit", Text: "已完成初稿"}
	e.ghost(id, "ghost-progress", domain.UpdateReportProgress, domain.KindProgress, "miit", report, map[string]string{"text": report.Text})

	// The next decision finds the ledger ahead: the workflow adopts both
	// first, then records it.
	first := e.mustUpdate(id, domain.UpdateReportProgress, "p1", domain.ProgressRequest{Ministry: "mof", Text: "进展一"})
	st, err := e.tasks.Status(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if p := participant(st, "miit"); p == nil || p.Answer == nil || p.Answer.DecisionID != id+"/ghost-miit" || p.Answer.Signer != "张三" {
		t.Errorf("miit's recorded sign-off is not reflected: %+v", p)
	}
	if st.ProgressCount != 2 || len(st.Pending) != 1 || st.Pending[0] != "ndrc" {
		t.Errorf("status: %d reports, pending %v; want 2 and only the lead", st.ProgressCount, st.Pending)
	}
	// The ghost's own request ID answers with the ghost's record.
	r, err := e.update(id, domain.UpdateSignOff, "ghost-miit", miit)
	if err != nil || r.DecisionID != id+"/ghost-miit" || r.Seq == 0 {
		t.Errorf("resending the recorded request: %+v %v", r, err)
	}
	// The same report under a new request ID is a retry, answered with
	// the first receipt; a different one is a new report.
	again := e.mustUpdate(id, domain.UpdateReportProgress, "p1-retry", domain.ProgressRequest{Ministry: "mof", Text: "进展一"})
	if again.DecisionID != first.DecisionID || again.Seq != first.Seq {
		t.Errorf("a retry under a new request ID was recorded again: %+v vs %+v", again, first)
	}
	e.mustUpdate(id, domain.UpdateReportProgress, "p2", domain.ProgressRequest{Ministry: "mof", Text: "进展二"})
	// miit cannot sign twice, and the lead can sign now.
	if _, err := e.update(id, domain.UpdateSignOff, "miit-again", miit); err == nil {
		t.Error("miit signed a second time in the round")
	}
	e.mustUpdate(id, domain.UpdateSignOff, "ndrc", domain.SignOffRequest{Ministry: "ndrc", Decision: "approve", Report: "联合报告"})

	kinds, _ := e.kinds(id)
	if kinds[domain.KindCaughtUp] != 1 || kinds[domain.KindSignOff] != 3 || kinds[domain.KindProgress] != 3 {
		t.Errorf("records by kind %v: want 1 caught-up, 3 sign-offs, 3 progress reports", kinds)
	}
	st, _ = e.tasks.Status(ctx, id)
	rows, err := e.board.List(ctx, board.Filter{WorkflowID: id})
	if err != nil || len(rows) != 1 || rows[0].Status != domain.StatusInReview || rows[0].Decisions != st.Decisions || st.Status != domain.StatusInReview {
		t.Errorf("board %+v %v; status %s with %d decisions", rows, err, st.Status, st.Decisions)
	}
}

// A reset to a point before six sign-offs, with nothing of what followed
// reapplied (as when the claims behind them have expired): the six stay
// effective, the board and the status agree, and the lead signs.
func TestResetKeepsAcknowledgedDecisions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cos := []string{"miit", "mof", "mofcom", "mps", "cbrc", "mee"}
	id := e.launchOne(domain.TaskSpec{PlanID: "conv", TaskNo: "1.2", Title: "重置测试", Lead: "ndrc", Participants: append([]string{"ndrc"}, cos...)})
	for _, m := range cos {
		e.mustUpdate(id, domain.UpdateSignOff, "sign-"+m, domain.SignOffRequest{Ministry: m, Decision: "approve"})
	}
	// The last completed workflow task before the first accepted update.
	var resetTo int64
	for _, ev := range e.history(id) {
		if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED {
			break
		}
		if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			resetTo = ev.GetEventId()
		}
	}
	d, err := e.client.DescribeWorkflowExecution(ctx, id, "")
	if err != nil || resetTo == 0 {
		t.Fatalf("describe: %v; reset point %d", err, resetTo)
	}
	if _, err := e.client.ResetWorkflowExecution(ctx, &workflowservice.ResetWorkflowExecutionRequest{
		Namespace:                 e.tasks.Namespace,
		WorkflowExecution:         &commonpb.WorkflowExecution{WorkflowId: id, RunId: d.GetWorkflowExecutionInfo().GetExecution().GetRunId()},
		Reason:                    "operator unsticks the run",
		WorkflowTaskFinishEventId: resetTo,
		RequestId:                 uuid.NewString(),
		ResetReapplyExcludeTypes:  []enumspb.ResetReapplyExcludeType{enumspb.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL, enumspb.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE},
	}); err != nil {
		t.Fatalf("reset: %v", err)
	}

	// The lead signs at once: the run, behind its ledger, adopts the six
	// first (the refusal it would give otherwise is not the task's).
	r, err := e.update(id, domain.UpdateSignOff, "sign-ndrc", domain.SignOffRequest{Ministry: "ndrc", Decision: "approve", Report: "联合报告"})
	if err != nil {
		t.Fatalf("the lead signs after the reset: %v", err)
	}
	if r.Status != domain.StatusInReview {
		t.Errorf("after the lead's sign-off the task is %s, want in_review", r.Status)
	}
	st, err := e.tasks.Status(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range cos {
		if p := participant(st, m); p == nil || p.Answer == nil || p.Answer.DecisionID != id+"/sign-"+m {
			t.Errorf("%s's sign-off is not effective after the reset: %+v", m, p)
		}
	}
	// cbrc signing again is refused: one answer per ministry per round.
	_, err = e.update(id, domain.UpdateSignOff, "sign-cbrc-again", domain.SignOffRequest{Ministry: "cbrc", Decision: "object", Comment: "再议"})
	var rej *taskclient.Rejection
	if !errors.As(err, &rej) || rej.Type != domain.ErrTypeConflict {
		t.Errorf("cbrc signing again after the reset: %v, want a conflict", err)
	}
	kinds, _ := e.kinds(id)
	if kinds[domain.KindSignOff] != 7 || kinds[domain.KindObjection] != 0 || kinds[domain.KindCaughtUp] != 1 {
		t.Errorf("records by kind %v: want 7 sign-offs, no objection, 1 caught-up", kinds)
	}
	rows, err := e.board.List(ctx, board.Filter{WorkflowID: id})
	if err != nil || len(rows) != 1 || rows[0].Status != domain.StatusInReview || len(rows[0].Pending) != 0 || rows[0].Decisions != st.Decisions {
		t.Errorf("board %+v %v, status %d decisions", rows, err, st.Decisions)
	}
}

// After a reset, a read alone brings the status level with the ledger.
func TestReadAfterResetCatchesUp(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.launchOne(domain.TaskSpec{PlanID: "conv", TaskNo: "1.3", Title: "读取补齐", Lead: "ndrc", Participants: []string{"ndrc", "miit", "mof"}})
	e.mustUpdate(id, domain.UpdateSignOff, "miit", domain.SignOffRequest{Ministry: "miit", Decision: "approve"})
	e.mustUpdate(id, domain.UpdateReportProgress, "p", domain.ProgressRequest{Ministry: "mof", Text: "进展"})
	var resetTo int64
	for _, ev := range e.history(id) {
		if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED {
			break
		}
		if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			resetTo = ev.GetEventId()
		}
	}
	if _, err := e.client.ResetWorkflowExecution(ctx, &workflowservice.ResetWorkflowExecutionRequest{
		Namespace: e.tasks.Namespace, WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id},
		Reason: "test", WorkflowTaskFinishEventId: resetTo, RequestId: uuid.NewString(),
		ResetReapplyExcludeTypes: []enumspb.ResetReapplyExcludeType{enumspb.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL, enumspb.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE},
	}); err != nil {
		t.Fatalf("reset: %v", err)
	}
	st, err := e.tasks.Status(ctx, id)
	if err != nil || st.ProgressCount != 1 || len(st.Pending) != 2 {
		t.Fatalf("status after the reset: %d reports, pending %v, %v; want 1 report, mof and ndrc pending", st.ProgressCount, st.Pending, err)
	}
	if kinds, _ := e.kinds(id); kinds[domain.KindCaughtUp] != 1 {
		t.Errorf("records by kind %v: want one caught-up", kinds)
	}
}

func participant(st domain.TaskStatus, id string) *domain.Participant {
	for i := range st.Participants {
		if st.Participants[i].ID == id {
			return &st.Participants[i]
		}
	}
	return nil
}
