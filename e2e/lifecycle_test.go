package e2e

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"lianxi/activities"
	"lianxi/board"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/starter"
	"lianxi/taskclient"
	"lianxi/testkit"
	"lianxi/testkit/lianxitest"
)

// inbox is a notifier that keeps what it was sent.
type inbox struct {
	mu   sync.Mutex
	sent []activities.Notification
}

func (b *inbox) Notify(_ context.Context, n activities.Notification) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, n)
	return nil
}

// Stage keeps what a decision writes to the outbox, once it commits.
func (b *inbox) Stage(ns []activities.Notification) ledger.Also {
	return func(context.Context, func(string, ...any) error) error {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.sent = append(b.sent, ns...)
		return nil
	}
}

func (b *inbox) count(kind string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, m := range b.sent {
		if m.Kind == kind {
			n++
		}
	}
	return n
}

// env is a real in-process Temporal server with the search attributes
// registered, a SQLite ledger and a running worker, whose notifications
// land in an inbox.
type env struct {
	t      *testing.T
	client client.Client
	tasks  *taskclient.Client
	ledger *ledger.SQLStore
	board  *board.Store
	inbox  *inbox
	newW   func() sdkworker.Worker
	// currentWorker returns the worker newW made last.
	currentWorker func() sdkworker.Worker
}

func newEnv(t *testing.T) *env {
	t.Helper()
	in := &inbox{}
	st := lianxitest.New(t, lianxitest.Options{Notifier: in})
	return &env{t: t, client: st.Client(), tasks: st.Tasks(), ledger: st.Ledger(), board: st.Board(), inbox: in,
		newW: st.NewWorker, currentWorker: st.Worker}
}

// history is the task's whole event history (its current run).
func (e *env) history(id string) []*historypb.HistoryEvent {
	e.t.Helper()
	var out []*historypb.HistoryEvent
	it := e.client.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

func (e *env) update(id, name, req string, arg any) (domain.Receipt, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return e.tasks.Update(ctx, id, name, req, arg)
}

func (e *env) mustUpdate(id, name, req string, arg any) domain.Receipt {
	e.t.Helper()
	r, err := e.update(id, name, req, arg)
	if err != nil {
		e.t.Fatalf("%s %s (%s): %v", name, id, req, err)
	}
	return r
}

// outcome waits until the task's workflow has ended, which it does once its
// last notifications are delivered, and returns its result. A task that does
// not end is reported with what it still waits for.
func (e *env) outcome(id string) (domain.TaskOutcome, error) {
	e.t.Helper()
	ctx := context.Background()
	testkit.Eventually(e.t, id+" to end", func() (bool, string) {
		d, err := e.client.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return false, err.Error()
		}
		info := d.GetWorkflowExecutionInfo()
		return info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
			fmt.Sprintf("%s after %d events; pending workflow task %v; pending activities %v",
				info.GetStatus(), info.GetHistoryLength(), d.GetPendingWorkflowTask(), d.GetPendingActivities())
	})
	var out domain.TaskOutcome
	err := e.client.GetWorkflow(ctx, id, "").Get(ctx, &out)
	return out, err
}

func TestTaskThroughTwoRounds(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	spec := domain.TaskSpec{
		PlanID: "e2e", TaskNo: "2.1", Title: "联合测试任务",
		Lead: "ndrc", Participants: []string{"ndrc", "miit", "mof"},
	}
	rep, err := starter.Launch(ctx, e.client, []domain.TaskSpec{spec}, starter.Options{})
	if err != nil || rep.Started != 1 {
		t.Fatalf("launch: %+v %v", rep, err)
	}
	id := domain.WorkflowID("e2e", "2.1")

	// A rejected update leaves no trace in history.
	_, err = e.update(id, domain.UpdateSignOff, "early-lead", domain.SignOffRequest{Ministry: "ndrc", Decision: "approve", Report: "r"})
	var rej *taskclient.Rejection
	if !errors.As(err, &rej) || rej.Type != domain.ErrTypeConflict {
		t.Fatalf("lead before others: got %v, want a Conflict rejection", err)
	}
	_, err = e.update(id, domain.UpdateSignOff, "stranger", domain.SignOffRequest{Ministry: "mofcom", Decision: "approve"})
	if !errors.As(err, &rej) || rej.Type != domain.ErrTypeNotParticipant {
		t.Fatalf("stranger: got %v, want NotParticipant", err)
	}

	for round := 1; round <= 2; round++ {
		sfx := "-r" + string(rune('0'+round))
		e.mustUpdate(id, domain.UpdateSignOff, "miit"+sfx, domain.SignOffRequest{Ministry: "miit", Decision: "approve"})
		first := e.mustUpdate(id, domain.UpdateSignOff, "mof"+sfx, domain.SignOffRequest{Ministry: "mof", Decision: "approve"})
		again := e.mustUpdate(id, domain.UpdateSignOff, "mof"+sfx, domain.SignOffRequest{Ministry: "mof", Decision: "approve"})
		if first != again {
			t.Errorf("same request ID answered twice differently: %+v vs %+v", first, again)
		}
		e.mustUpdate(id, domain.UpdateSignOff, "ndrc"+sfx, domain.SignOffRequest{Ministry: "ndrc", Decision: "approve", Report: "联合报告"})
		st, err := e.tasks.Status(ctx, id)
		if err != nil || st.Status != domain.StatusInReview || st.Round != round {
			t.Fatalf("round %d: status %+v %v, want in_review", round, st.Status, err)
		}
		if round == 1 {
			e.mustUpdate(id, domain.UpdateReview, "return", domain.ReviewRequest{Decision: "return", Comment: "请补充"})
		}
	}
	e.mustUpdate(id, domain.UpdateReview, "approve", domain.ReviewRequest{Decision: "approve"})

	out, err := e.outcome(id)
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != domain.StatusClosed || out.Rounds != 2 {
		t.Errorf("outcome %+v, want closed after 2 rounds", out)
	}

	// History: exactly the 8 accepted updates, none of the rejected ones.
	// A task launched through the starter carries its revision, so its
	// run writes no version marker (no TemporalChangeVersion upsert) and
	// upserts its search attributes once, as it closes: its phase changes
	// (in review, returned, in review) are on the board, not each one
	// more visibility write.
	accepted, rejected, upserts := 0, 0, 0
	for _, ev := range e.history(id) {
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			accepted++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED:
			rejected++
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			upserts++
			if _, ok := ev.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()["TemporalChangeVersion"]; ok {
				t.Errorf("event %d upserts TemporalChangeVersion: the run asked workflow.GetVersion", ev.GetEventId())
			}
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			if name := ev.GetMarkerRecordedEventAttributes().GetMarkerName(); name != "LocalActivity" {
				t.Errorf("event %d is a %s marker, want only local activities' markers", ev.GetEventId(), name)
			}
		}
	}
	if accepted != 8 || rejected != 0 {
		t.Errorf("history has %d accepted and %d rejected updates, want 8 and 0", accepted, rejected)
	}
	if upserts != 1 {
		t.Errorf("history has %d search-attribute upserts, want 1 (as the task closes)", upserts)
	}

	// The ledger holds assigned + 6 sign-offs + return + closure, one chain.
	res, err := ledger.Verify(ctx, e.ledger)
	if err != nil || !res.OK || res.Count != 9 {
		t.Errorf("ledger verify: %+v %v, want OK with 9 records", res, err)
	}
	if e.inbox.count(domain.NotifyReturn) != 3 || e.inbox.count(domain.NotifyClosure) != 3 {
		t.Errorf("notifications: %d returns, %d closures; want 3 each", e.inbox.count(domain.NotifyReturn), e.inbox.count(domain.NotifyClosure))
	}

	// Visibility knows it is closed; launching again starts nothing.
	testkit.Eventually(t, "the task closed after 2 rounds in visibility", func() (bool, string) {
		l, err := e.tasks.List(ctx, taskclient.Filter{Plan: "e2e", Status: domain.StatusClosed})
		return err == nil && len(l) == 1 && l[0].Title == "联合测试任务" && l[0].Round == 2, fmt.Sprintf("%+v %v", l, err)
	})
	rep, err = starter.Launch(ctx, e.client, []domain.TaskSpec{spec}, starter.Options{})
	if err != nil || rep.Started != 0 || rep.AlreadyClosed != 1 {
		t.Errorf("second launch: %+v %v, want nothing started, 1 closed", rep, err)
	}
}

// openBoard opens the board in store's database, as the worker does.
func openBoard(t testing.TB, store *ledger.SQLStore) *board.Store {
	t.Helper()
	b, err := board.Open(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
