package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"lianxi/domain"
	"lianxi/starter"
	"lianxi/taskclient"
	"lianxi/testkit"
)

// The board (what dashboards and inboxes list) follows every decision: as
// soon as a decision's receipt is back, the task's row says what the
// workflow's own status says. While the task is open no decision writes a
// search-attribute upsert, and a new task's history holds no version
// marker.
func TestBoardFollowsEveryDecision(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	board := &taskclient.Client{C: e.client, Namespace: e.tasks.Namespace, Board: e.board}
	spec := domain.TaskSpec{PlanID: "board", TaskNo: "1.1", Title: "看板任务", Lead: "ndrc", Participants: []string{"ndrc", "miit", "mof"}}
	if _, err := starter.Launch(ctx, e.client, []domain.TaskSpec{spec}, starter.Options{Board: e.board, Titles: e.ledger}); err != nil {
		t.Fatal(err)
	}
	id := domain.WorkflowID(spec.PlanID, spec.TaskNo)
	row := func() taskclient.Summary {
		t.Helper()
		list, err := board.List(ctx, taskclient.Filter{Plan: "board"})
		if err != nil || len(list) != 1 {
			t.Fatalf("board lists %+v (%v), want the one task", list, err)
		}
		return list[0]
	}
	// Listed from the launch on, before the workflow has run at all.
	if r := row(); r.Status != domain.StatusSigning || !slices.Equal(r.Pending, []string{"miit", "mof", "ndrc"}) || r.Due.IsZero() {
		t.Fatalf("first row %+v", r)
	}
	same := func(step string) {
		t.Helper()
		st, err := e.tasks.Status(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		r := row()
		due := st.SignOffDue
		if st.Status == domain.StatusInReview {
			due = st.ReviewDue
		}
		var parts []string
		for _, p := range st.Participants {
			parts = append(parts, p.ID)
		}
		if r.Status != st.Status || int(r.Round) != st.Round || !slices.Equal(r.Pending, st.Pending) ||
			!r.Due.Equal(due.UTC().Truncate(time.Second)) || !slices.Equal(r.Participants, parts) || r.Title != spec.Title {
			t.Fatalf("after %s the board says %+v; the workflow says status %s round %d pending %v due %s participants %v",
				step, r, st.Status, st.Round, st.Pending, due, parts)
		}
		mine, err := board.List(ctx, taskclient.Filter{Ministry: "mof", Pending: true})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(mine) == 1, slices.Contains(st.Pending, "mof"); got != want {
			t.Fatalf("after %s mof's inbox lists the task: %v, want %v", step, got, want)
		}
	}
	testkit.Eventually(t, "the assignment recorded", func() (bool, string) {
		st, err := e.tasks.Status(ctx, id)
		return err == nil && st.Decisions >= 1, fmt.Sprintf("%d decisions %v", st.Decisions, err)
	})
	same("the assignment")
	e.mustUpdate(id, domain.UpdateAmend, "amend", domain.AmendRequest{Add: []string{"mofcom"}, Reason: "补充单位", BeyondList: domain.BeyondTheList})
	same("adding mofcom")
	e.mustUpdate(id, domain.UpdateSignOff, "mof", domain.SignOffRequest{Ministry: "mof", Decision: domain.DecisionApprove})
	same("mof's sign-off")
	e.mustUpdate(id, domain.UpdateRequestExtension, "ext", domain.ExtensionRequest{Ministry: "miit", Until: time.Now().Add(90 * 24 * time.Hour), Reason: "需协调"})
	e.mustUpdate(id, domain.UpdateDecideExtension, "grant", domain.ExtensionDecision{Decision: domain.DecisionGrant})
	same("the extension")
	for _, m := range []string{"miit", "mofcom"} {
		e.mustUpdate(id, domain.UpdateSignOff, m, domain.SignOffRequest{Ministry: m, Decision: domain.DecisionApprove})
		same(m + "'s sign-off")
	}
	e.mustUpdate(id, domain.UpdateSignOff, "ndrc", domain.SignOffRequest{Ministry: "ndrc", Decision: domain.DecisionApprove, Report: "联合报告"})
	same("the joint report")
	e.mustUpdate(id, domain.UpdateReview, "return", domain.ReviewRequest{Decision: domain.DecisionReturn, Comment: "请补充"})
	same("the return")
	e.mustUpdate(id, domain.UpdateCancel, "cancel", domain.CancelRequest{Reason: "并入其他任务"})
	same("the cancellation")

	// History: a task launched through the starter carries its revision,
	// so no version marker; its search attributes were set with the start
	// and are upserted once, as the task closes (here, the cancellation):
	// the amendment, the extension, review and return were on the board
	// only, as the checks above show.
	upserts, markers := 0, 0
	for _, ev := range e.history(id) {
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			upserts++
			if _, ok := ev.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()["LianxiStatus"]; !ok {
				t.Errorf("event %d upserts no LianxiStatus: the closing upsert should say how the task ended", ev.GetEventId())
			}
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			if ev.GetMarkerRecordedEventAttributes().GetMarkerName() != "LocalActivity" {
				markers++
			}
		}
	}
	if upserts != 1 || markers != 0 {
		t.Errorf("history holds %d search-attribute upserts and %d version markers, want 1 (as the task closes) and 0", upserts, markers)
	}
}

// A task whose run an operator terminates writes no record; the console's
// reconciliation marks its row ended, so no inbox lists it as waiting, and
// leaves every other row as it was.
func TestTerminatedTaskLeavesTheBoard(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	board := &taskclient.Client{C: e.client, Namespace: e.tasks.Namespace, Board: e.board}
	specs := []domain.TaskSpec{
		{PlanID: "ended", TaskNo: "1.1", Title: "将被终止", Lead: "ndrc", Participants: []string{"ndrc", "mof"}},
		{PlanID: "ended", TaskNo: "1.2", Title: "照常办理", Lead: "ndrc", Participants: []string{"ndrc", "mof"}},
	}
	if _, err := starter.Launch(ctx, e.client, specs, starter.Options{Board: e.board, Titles: e.ledger}); err != nil {
		t.Fatal(err)
	}
	gone, kept := domain.WorkflowID("ended", "1.1"), domain.WorkflowID("ended", "1.2")
	for _, id := range []string{gone, kept} {
		testkit.Eventually(t, "the assignment of "+id, func() (bool, string) {
			st, err := e.tasks.Status(ctx, id)
			return err == nil && st.Decisions >= 1, fmt.Sprintf("%d decisions %v", st.Decisions, err)
		})
	}
	if err := e.client.TerminateWorkflow(ctx, gone, "", "operator: launched by mistake"); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the terminated run's row marked ended", func() (bool, string) {
		n, err := board.EndBoard(ctx, e.board, e.ledger)
		return err == nil && n == 1, fmt.Sprintf("%d rows changed, %v", n, err)
	})
	list, err := board.List(ctx, taskclient.Filter{Plan: "ended"})
	if err != nil || len(list) != 2 {
		t.Fatalf("board lists %+v (%v)", list, err)
	}
	for _, s := range list {
		switch s.ID {
		case gone:
			if s.Status != domain.StatusTerminated || len(s.Pending) != 0 {
				t.Errorf("terminated task's row %+v, want terminated with nobody pending", s)
			}
		case kept:
			if s.Status != domain.StatusSigning || !slices.Equal(s.Pending, []string{"mof", "ndrc"}) {
				t.Errorf("running task's row changed: %+v", s)
			}
		}
	}
	inbox, err := board.List(ctx, taskclient.Filter{Ministry: "mof", Pending: true})
	if err != nil || len(inbox) != 1 || inbox[0].ID != kept {
		t.Errorf("mof's inbox %+v (%v), want only the running task", inbox, err)
	}
	if n, err := board.EndBoard(ctx, e.board, e.ledger); err != nil || n != 0 {
		t.Errorf("second pass changed %d rows (%v), want none", n, err)
	}
}
