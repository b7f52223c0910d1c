package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"lianxi/activities"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/notify"
	"lianxi/starter"
	"lianxi/taskclient"
	"lianxi/testkit"
	"lianxi/testkit/lianxitest"
)

// faultyLedger is the real SQLite ledger with faults to inject: down (every
// append fails at once) or slow (every append waits first).
type faultyLedger struct {
	*ledger.SQLStore
	down  atomic.Bool
	delay atomic.Int64
}

// fault fails or delays an append as the test set it.
func (f *faultyLedger) fault(ctx context.Context) error {
	if f.down.Load() {
		return errors.New("dial ledger: connection refused")
	}
	if d := time.Duration(f.delay.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (f *faultyLedger) Append(ctx context.Context, e ledger.Entry, also ...ledger.Also) (ledger.Record, error) {
	if err := f.fault(ctx); err != nil {
		return ledger.Record{}, err
	}
	return f.SQLStore.Append(ctx, e, also...)
}

// AppendAfter is how a decision is recorded: it fails as Append does.
func (f *faultyLedger) AppendAfter(ctx context.Context, e ledger.Entry, after domain.Reflects, also ...ledger.Also) (ledger.Record, error) {
	if err := f.fault(ctx); err != nil {
		return ledger.Record{}, err
	}
	return f.SQLStore.AppendAfter(ctx, e, after, also...)
}

// switchable is a webhook receiver that answers 503 while down.
type switchable struct {
	down     atomic.Bool
	accepted atomic.Int64
}

func (s *switchable) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	if s.down.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	s.accepted.Add(1)
	w.WriteHeader(http.StatusNoContent)
}

type faultEnv struct {
	t        *testing.T
	tasks    *taskclient.Client
	ledger   *faultyLedger
	outbox   *notify.Outbox
	receiver *switchable
}

func newFaultEnv(t *testing.T) *faultEnv {
	t.Helper()
	ctx := context.Background()
	store, err := ledger.OpenSQLite(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	rc := &switchable{}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	hook := notify.Webhook{URL: srv.URL, Secret: "s"}
	outbox, err := notify.NewOutbox(ctx, store, notify.OutboxOptions{Webhooks: notify.Webhooks{"office": hook, "miit": hook}})
	if err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = outbox.Dispatcher(notify.DispatchOptions{Poll: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}).Run(dctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
	fl := &faultyLedger{SQLStore: store}
	st := lianxitest.New(t, lianxitest.Options{Ledger: store, Notifier: outbox,
		Activities: func(a *activities.Activities) { a.Ledger = fl }})
	return &faultEnv{t: t, tasks: st.Tasks(), ledger: fl, outbox: outbox, receiver: rc}
}

func (f *faultEnv) launch(spec domain.TaskSpec) string {
	f.t.Helper()
	if _, err := starter.Launch(context.Background(), f.tasks.C, []domain.TaskSpec{spec}, starter.Options{}); err != nil {
		f.t.Fatal(err)
	}
	return domain.WorkflowID(spec.PlanID, spec.TaskNo)
}

// records lists the ledger's records of a task by kind.
func (f *faultEnv) records(id string) map[string][]ledger.Record {
	f.t.Helper()
	m := map[string][]ledger.Record{}
	if err := f.ledger.ScanWorkflow(context.Background(), id, func(r ledger.Record) error {
		m[r.Kind] = append(m[r.Kind], r)
		return nil
	}); err != nil {
		f.t.Fatal(err)
	}
	return m
}

// A decision made while the ledger is down, or so slow that recording
// times out, gets a clear answer in seconds, changes nothing visible, and
// the same request ID gets its receipt once the ledger answers, recorded
// once.
func TestDecisionsSurviveLedgerFaults(t *testing.T) {
	f := newFaultEnv(t)
	id := f.launch(domain.TaskSpec{PlanID: "fault", TaskNo: "1.1", Title: "故障", Lead: "ndrc", Participants: []string{"ndrc", "miit", "mof"}})
	testkit.Eventually(t, "assignment recorded", func() (bool, string) { n := len(f.records(id)["assigned"]); return n == 1, fmt.Sprint(n) })
	impatient := &taskclient.Client{C: f.tasks.C, Namespace: f.tasks.Namespace, Wait: 3 * time.Second}
	ctx := context.Background()

	for _, fault := range []struct {
		name              string
		inject, clear     func()
		ministry, request string
	}{
		{"ledger down", func() { f.ledger.down.Store(true) }, func() { f.ledger.down.Store(false) }, "miit", "s1"},
		{"ledger slow", func() { f.ledger.delay.Store(int64(7 * time.Second)) }, func() { f.ledger.delay.Store(0) }, "mof", "s2"},
	} {
		fault.inject()
		req := domain.SignOffRequest{Ministry: fault.ministry, Decision: domain.DecisionApprove}
		start := time.Now()
		_, err := impatient.Update(ctx, id, domain.UpdateSignOff, fault.request, req)
		var rej *taskclient.Rejection
		if !errors.As(err, &rej) || rej.Type != taskclient.ErrTypeNoAnswer || time.Since(start) > 10*time.Second {
			t.Fatalf("%s: %v after %s, want a prompt answer to send the request again", fault.name, err, time.Since(start))
		}
		if st, err := f.tasks.Status(ctx, id); err != nil || st.Participants[slicesIndex(st, fault.ministry)].Answer != nil {
			t.Errorf("%s: the status shows an answer the ledger does not have: %v", fault.name, err)
		}
		fault.clear()
		r, err := f.tasks.Update(ctx, id, domain.UpdateSignOff, fault.request, req)
		if err != nil {
			t.Fatalf("%s: the same request after the fault: %v", fault.name, err)
		}
		again, err := f.tasks.Update(ctx, id, domain.UpdateSignOff, fault.request, req)
		if err != nil || again != r {
			t.Errorf("%s: a second retry answered %+v %v, want %+v", fault.name, again, err, r)
		}
	}
	recs := f.records(id)
	if n := len(recs[domain.KindSignOff]); n != 2 {
		t.Errorf("%d sign-offs on the ledger, want 2 (each once)", n)
	}
	if res, err := ledger.Verify(ctx, f.ledger.SQLStore); err != nil || !res.OK {
		t.Errorf("ledger: %+v %v", res, err)
	}
}

func slicesIndex(st domain.TaskStatus, ministry string) int {
	for i, p := range st.Participants {
		if p.ID == ministry {
			return i
		}
	}
	return -1
}

// A receiver down for the whole overdue period delays nothing: reminders
// and the escalation are recorded on time, with their notifications, and
// delivered once the receiver is back.
func TestReceiverDownDelaysNothing(t *testing.T) {
	f := newFaultEnv(t)
	f.receiver.down.Store(true)
	start := time.Now()
	id := f.launch(domain.TaskSpec{PlanID: "fault", TaskNo: "2.1", Title: "收件方故障", Lead: "ndrc", Participants: []string{"ndrc", "miit"},
		SignOffDue: start.Add(3 * time.Second), ReminderInterval: time.Second, WarningWindow: time.Second})
	testkit.Eventually(t, "two reminders and the escalation", func() (bool, string) {
		r := f.records(id)
		return len(r[domain.KindReminder]) >= 2 && len(r[domain.KindEscalation]) == 1,
			fmt.Sprintf("%d reminders, %d escalations", len(r[domain.KindReminder]), len(r[domain.KindEscalation]))
	})
	recs := f.records(id)
	if at := recs[domain.KindEscalation][0].At.Sub(start); at < 3*time.Second || at > 8*time.Second {
		t.Errorf("escalation recorded %s after start, want about 3s", at)
	}
	if at := recs[domain.KindReminder][0].At.Sub(start); at > 5*time.Second {
		t.Errorf("first reminder recorded %s after start, want about 1s", at)
	}
	if f.receiver.accepted.Load() != 0 {
		t.Fatal("the receiver was down but accepted something")
	}
	f.receiver.down.Store(false)
	testkit.Eventually(t, "the escalation delivered to the office", func() (bool, string) {
		msgs, err := f.outbox.Inbox(context.Background(), "office", 50)
		if err != nil {
			return false, err.Error()
		}
		for _, m := range msgs {
			if m.Kind == domain.NotifyOverdue && m.State == notify.StateDelivered {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d office messages, none delivered", len(msgs))
	})
}
