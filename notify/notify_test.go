package notify

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/domain"
	"lianxi/workflows"
)

// receiver is a real HTTP webhook endpoint that fails the first failFirst
// attempts of every message with status, then accepts.
type receiver struct {
	mu        sync.Mutex
	secret    string
	failFirst int
	status    int
	attempts  map[string]int
	accepted  map[string]int
	badSigs   int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	want := Sign(rc.secret, body)
	if !hmac.Equal([]byte(want), []byte(r.Header.Get(SignatureHeader))) {
		rc.badSigs++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	key := r.Header.Get(IdempotencyHeader)
	rc.attempts[key]++
	if rc.attempts[key] <= rc.failFirst {
		w.WriteHeader(rc.status)
		return
	}
	if rc.accepted[key] == 0 {
		var p payload
		if err := json.Unmarshal(body, &p); err != nil || p.Text == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
	}
	rc.accepted[key]++
	w.WriteHeader(http.StatusNoContent)
}

func newReceiver(t *testing.T, failFirst, status int) (*receiver, string) {
	rc := &receiver{secret: "s3cret", failFirst: failFirst, status: status, attempts: map[string]int{}, accepted: map[string]int{}}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

func newOutbox(t *testing.T, hooks Webhooks) *Outbox {
	t.Helper()
	_, o := outboxOn(t, hooks)
	return o
}

// notifyWorkflow sends notifications through the real Notify activity with
// the lifecycle's activity options, so retries come from Temporal as they do
// in production.
func notifyWorkflow(ctx workflow.Context, ns []activities.Notification) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflows.NotifyOptions())
	var a *activities.Activities
	failed := 0
	for _, n := range ns {
		if err := workflow.ExecuteActivity(ctx, a.Notify, activities.NotifyInput{Notification: n}).Get(ctx, nil); err != nil {
			failed++
		}
	}
	return failed, nil
}

func runNotify(t *testing.T, o *Outbox, ns ...activities.Notification) int {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(notifyWorkflow)
	env.RegisterActivity(&activities.Activities{Notifier: o})
	env.ExecuteWorkflow(notifyWorkflow, ns)
	var failed int
	if err := env.GetWorkflowResult(&failed); err != nil {
		t.Fatal(err)
	}
	return failed
}

func note(id, recipient string) activities.Notification {
	return activities.Notification{ID: id, Recipient: recipient, Kind: domain.NotifyReminder, PlanID: "p", TaskNo: "1.1",
		Title: "巩固网络基础", Round: 1, Due: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
}

func TestWebhookRetriedUntilDeliveredOnce(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusTooManyRequests, http.StatusRequestTimeout} {
		rc, url := newReceiver(t, 3, status)
		o := newOutbox(t, Webhooks{"miit": {URL: url, Secret: "s3cret"}})
		if failed := runNotify(t, o, note("n1", "miit"), note("n2", "miit"), note("n1", "miit")); failed != 0 {
			t.Fatalf("status %d: %d notifications failed", status, failed)
		}
		if rc.accepted["n1"] != 1 || rc.accepted["n2"] != 1 || rc.attempts["n1"] != 4 || rc.badSigs != 0 {
			t.Errorf("status %d: accepted %v attempts %v bad signatures %d; want each once after 3 failures", status, rc.accepted, rc.attempts, rc.badSigs)
		}
		inbox, err := o.Inbox(context.Background(), "miit", 10)
		if err != nil || len(inbox) != 2 || inbox[0].State != StateDelivered || inbox[1].Attempts != 4 {
			t.Errorf("status %d: outbox %+v %v", status, inbox, err)
		}
	}
}

func TestWebhookClientErrorIsNotRetried(t *testing.T) {
	rc, url := newReceiver(t, 100, http.StatusBadRequest)
	o := newOutbox(t, Webhooks{"miit": {URL: url, Secret: "s3cret"}})
	if failed := runNotify(t, o, note("n1", "miit")); failed != 1 {
		t.Fatalf("%d failed, want the refused one", failed)
	}
	if rc.attempts["n1"] != 1 {
		t.Errorf("400 was tried %d times, want once", rc.attempts["n1"])
	}
	inbox, _ := o.Inbox(context.Background(), "miit", 10)
	if len(inbox) != 1 || inbox[0].State != StateRefused || !strings.Contains(inbox[0].LastError, "400") {
		t.Errorf("outbox %+v, want the refusal recorded", inbox)
	}
}

func TestWithoutWebhookStoredForInbox(t *testing.T) {
	o := newOutbox(t, nil)
	if err := o.Notify(context.Background(), note("x", "mof")); err != nil {
		t.Fatal(err)
	}
	if err := o.Notify(context.Background(), note("x", "mof")); err != nil {
		t.Fatal(err)
	}
	inbox, err := o.Inbox(context.Background(), "mof", 10)
	if err != nil || len(inbox) != 1 || inbox[0].State != StateStored {
		t.Fatalf("inbox %+v %v", inbox, err)
	}
	for _, want := range []string{"【催办】", "1.1", "巩固网络基础", "2026年4月1日", "http://console/tasks/p/1.1"} {
		if !strings.Contains(inbox[0].Text, want) {
			t.Errorf("text %q lacks %q", inbox[0].Text, want)
		}
	}
}

func TestDeliverTimesOut(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	err := Webhook{URL: srv.URL, Secret: "s", Timeout: 50 * time.Millisecond}.Deliver(context.Background(), note("t", "x"), "text")
	if err == nil || errors.Is(err, activities.ErrPermanent) {
		t.Errorf("timeout gave %v, want a transient error", err)
	}
}

// notifyBatchWorkflow sends one batch through the real NotifyBatch activity
// with the lifecycle's activity options.
func notifyBatchWorkflow(ctx workflow.Context, ns []activities.Notification) error {
	ctx = workflow.WithActivityOptions(ctx, workflows.NotifyOptions())
	var a *activities.Activities
	return workflow.ExecuteActivity(ctx, a.NotifyBatch, activities.NotifyBatchInput{Notifications: ns}).Get(ctx, nil)
}

// A batch retried after one recipient's failures delivers every
// notification once: the outbox skips the ones already delivered.
func TestBatchRetriedDeliversEachOnce(t *testing.T) {
	good, goodURL := newReceiver(t, 0, 0)
	flaky, flakyURL := newReceiver(t, 2, http.StatusBadGateway)
	refusing, refusingURL := newReceiver(t, 100, http.StatusGone)
	o := newOutbox(t, Webhooks{
		"miit": {URL: goodURL, Secret: "s3cret"}, "mof": {URL: flakyURL, Secret: "s3cret"}, "mofcom": {URL: refusingURL, Secret: "s3cret"},
	})
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(notifyBatchWorkflow)
	env.RegisterActivity(&activities.Activities{Notifier: o})
	env.ExecuteWorkflow(notifyBatchWorkflow, []activities.Notification{note("b1", "miit"), note("b2", "mof"), note("b3", "mofcom")})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if good.accepted["b1"] != 1 || good.attempts["b1"] != 1 || flaky.accepted["b2"] != 1 || refusing.attempts["b3"] != 1 {
		t.Errorf("good %v/%v flaky %v refusing %v: want each delivered once, the refusal tried once",
			good.accepted, good.attempts, flaky.accepted, refusing.attempts)
	}
}
