package workflows

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/board"
	"lianxi/domain"
	"lianxi/ledger"
)

// notes records every notification delivered, as a webhook receiver would.
type notes struct {
	mu   sync.Mutex
	sent []activities.Notification
}

func (n *notes) Notify(_ context.Context, m activities.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, m)
	return nil
}

// Stage keeps the notifications a decision writes to the outbox once its
// transaction commits (the outbox's own rows are tested in notify).
func (n *notes) Stage(ns []activities.Notification) ledger.Also {
	return func(context.Context, func(string, ...any) error) error {
		n.mu.Lock()
		defer n.mu.Unlock()
		n.sent = append(n.sent, ns...)
		return nil
	}
}

// count returns how many notifications of kind went to recipient.
func (n *notes) count(kind, recipient string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := 0
	for _, m := range n.sent {
		if m.Kind == kind && m.Recipient == recipient {
			c++
		}
	}
	return c
}

type outcome struct {
	accepted bool
	err      error
	receipt  domain.Receipt
	done     bool
}

// harness drives one workflow in the SDK's test environment against a real
// SQLite ledger.
type harness struct {
	t       *testing.T
	suite   testsuite.WorkflowTestSuite
	env     *testsuite.TestWorkflowEnvironment
	ledger  *ledger.SQLStore
	notes   *notes
	results map[string]*outcome
	start   time.Time
}

var testStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newHarness(t *testing.T) *harness {
	t.Helper()
	store, err := ledger.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return newHarnessWith(t, store)
}

// newHarnessWith is newHarness on an existing ledger.
func newHarnessWith(t *testing.T, store *ledger.SQLStore) *harness {
	h := &harness{t: t, ledger: store, notes: &notes{}, results: map[string]*outcome{}, start: testStart}
	h.suite.SetLogger(tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	h.env = h.suite.NewTestWorkflowEnvironment()
	h.env.SetStartTime(testStart)
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: domain.WorkflowID("plan-t", "1.1")})
	h.env.RegisterWorkflowWithOptions(TaskWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	rows, err := board.Open(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	h.env.RegisterActivity(&activities.Activities{Ledger: store, Outbox: h.notes, Board: rows, Notifier: h.notes})
	return h
}

// spec is a task with two co-responsible ministries and a lead.
func spec() domain.TaskSpec {
	return domain.TaskSpec{
		PlanID: "plan-t", TaskNo: "1.1", Title: "测试任务",
		Lead: "ndrc", Participants: []string{"ndrc", "miit", "mof"}, OpenList: true,
		SignOffDue:       testStart.Add(20 * 24 * time.Hour),
		SignOffPeriod:    10 * 24 * time.Hour,
		ReviewPeriod:     5 * 24 * time.Hour,
		ReminderInterval: 3 * 24 * time.Hour,
		WarningWindow:    4 * 24 * time.Hour,
	}
}

// at runs fn once the workflow has been running for d.
func (h *harness) at(d time.Duration, fn func()) { h.env.RegisterDelayedCallback(fn, d) }

// update sends an update with request ID id; its outcome lands in h.results.
func (h *harness) update(name, id string, arg any) {
	o := &outcome{}
	h.results[id] = o
	h.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
		OnAccept: func() { o.accepted = true },
		OnReject: func(err error) { o.err, o.done = err, true },
		OnComplete: func(v any, err error) {
			o.done, o.err = true, err
			if r, ok := v.(domain.Receipt); ok {
				o.receipt = r
			}
		},
	}, arg)
}

func (h *harness) status() domain.TaskStatus {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(QueryStatus)
	if err != nil {
		h.t.Fatalf("query status: %v", err)
	}
	var st domain.TaskStatus
	if err := v.Get(&st); err != nil {
		h.t.Fatalf("decode status: %v", err)
	}
	// The light as a reader sees it, as taskclient.Status derives it.
	st.Warning = st.LightAt(h.env.Now())
	return st
}

func (h *harness) run(s domain.TaskSpec) {
	h.env.ExecuteWorkflow(TaskWorkflow, TaskInput{Spec: s})
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
}

func (h *harness) outcome() domain.TaskOutcome {
	h.t.Helper()
	var out domain.TaskOutcome
	if err := h.env.GetWorkflowResult(&out); err != nil {
		h.t.Fatalf("workflow result: %v", err)
	}
	return out
}

// ok asserts the update id was accepted and completed without error.
func (h *harness) ok(id string) domain.Receipt {
	h.t.Helper()
	o := h.results[id]
	if o == nil || !o.done || o.err != nil {
		h.t.Fatalf("update %s: want success, got %+v", id, o)
	}
	return o.receipt
}

// rejected asserts the update id was rejected by its validator with a
// message containing want.
func (h *harness) rejected(id, want string) {
	h.t.Helper()
	o := h.results[id]
	if o == nil || o.err == nil {
		h.t.Fatalf("update %s: want rejection %q, got %+v", id, want, o)
	}
	if o.accepted {
		h.t.Errorf("update %s: accepted before failing; a validator should have rejected it", id)
	}
	if !containsMsg(o.err, want) {
		h.t.Errorf("update %s: error %q does not mention %q", id, o.err, want)
	}
}

func containsMsg(err error, want string) bool {
	return err != nil && strings.Contains(err.Error(), want)
}

// kinds lists the ledger's record kinds in order.
func (h *harness) kinds() []string {
	h.t.Helper()
	var out []string
	if err := h.ledger.Scan(context.Background(), func(r ledger.Record) error {
		out = append(out, r.Kind)
		return nil
	}); err != nil {
		h.t.Fatal(err)
	}
	return out
}

const day = 24 * time.Hour
