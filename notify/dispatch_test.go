package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lianxi/activities"
	"lianxi/domain"
	"lianxi/ledger"
)

// outboxOn opens a real SQLite ledger and an outbox on it.
func outboxOn(t *testing.T, hooks Webhooks) (*ledger.SQLStore, *Outbox) {
	t.Helper()
	store, err := ledger.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	o, err := NewOutbox(context.Background(), store, OutboxOptions{Webhooks: hooks, ConsoleURL: "http://console"})
	if err != nil {
		t.Fatal(err)
	}
	return store, o
}

func decision(id string) ledger.Entry {
	return ledger.Entry{DecisionID: id, WorkflowID: "p/1.1", RunID: "r", PlanID: "p", TaskNo: "1.1", Round: 1,
		Kind: domain.KindReturn, Ministry: "office", At: time.Now()}
}

func notes(prefix string, to ...string) []activities.Notification {
	var ns []activities.Notification
	for i, r := range to {
		ns = append(ns, activities.Notification{ID: fmt.Sprintf("%s/n%d", prefix, i), Recipient: r, Kind: domain.NotifyReturn,
			PlanID: "p", TaskNo: "1.1", Title: "任务", Round: 1, Due: time.Now().Add(time.Hour), Detail: "请修改"})
	}
	return ns
}

func (o *Outbox) states(t *testing.T) map[string]string {
	t.Helper()
	rows, err := o.db.Query(`SELECT id, state FROM outbox`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var id, st string
		_ = rows.Scan(&id, &st)
		m[id] = st
	}
	return m
}

// A decision and its notifications are one transaction: when the rest of
// the transaction fails, neither is stored.
func TestStageIsPartOfTheDecision(t *testing.T) {
	store, o := outboxOn(t, nil)
	boom := func(context.Context, func(string, ...any) error) error { return errors.New("boom") }
	if _, err := store.Append(context.Background(), decision("d1"), o.Stage(notes("d1", "miit", "mof")), boom); err == nil {
		t.Fatal("the append should fail")
	}
	if res, _ := ledger.Verify(context.Background(), store); res.Count != 0 || len(o.states(t)) != 0 {
		t.Fatalf("a failed decision left %d records and %v", res.Count, o.states(t))
	}
	if _, err := store.Append(context.Background(), decision("d1"), o.Stage(notes("d1", "miit", "mof"))); err != nil {
		t.Fatal(err)
	}
	// Appending the same decision again stores nothing twice.
	if _, err := store.Append(context.Background(), decision("d1"), o.Stage(notes("d1", "miit", "mof"))); err != nil {
		t.Fatal(err)
	}
	if st := o.states(t); len(st) != 2 || st["d1/n0"] != StateStored {
		t.Errorf("outbox: %v, want two stored notifications", st)
	}
}

// The receiver is down (503) for its first attempts; two dispatchers share
// the outbox; every notification is delivered exactly once when the
// receiver is back, with backoff between attempts. A 4xx is refused.
func TestDispatchersDeliverOnceWithRetries(t *testing.T) {
	rc, url := newReceiver(t, 2, http.StatusServiceUnavailable)
	gone, goneURL := newReceiver(t, 1000, http.StatusGone)
	store, o := outboxOn(t, Webhooks{"miit": {URL: url, Secret: rc.secret}, "mof": {URL: url, Secret: rc.secret}, "mps": {URL: goneURL, Secret: gone.secret}})
	for i := range 5 {
		id := fmt.Sprint("d", i)
		if _, err := store.Append(context.Background(), decision(id), o.Stage(notes(id, "miit", "mof", "mps", "ndrc"))); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for range 2 {
		d := o.Dispatcher(DispatchOptions{Poll: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
		wg.Add(1)
		go func() { defer wg.Done(); _ = d.Run(ctx) }()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := o.states(t)
		done := 0
		for _, s := range st {
			if s != StatePending {
				done++
			}
		}
		if done == len(st) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox not drained: %v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.accepted) != 10 {
		t.Errorf("%d notifications accepted, want 10", len(rc.accepted))
	}
	for key, n := range rc.accepted {
		if n != 1 || rc.attempts[key] != 3 {
			t.Errorf("%s: accepted %d times after %d attempts, want once after 3", key, n, rc.attempts[key])
		}
	}
	st := o.states(t)
	for i := range 5 {
		if s := st[fmt.Sprintf("d%d/n2", i)]; s != StateRefused {
			t.Errorf("the 410 receiver's notification is %s, want refused", s)
		}
		if s := st[fmt.Sprintf("d%d/n3", i)]; s != StateStored {
			t.Errorf("a recipient without a webhook: %s, want stored for the inbox", s)
		}
	}
	gone.mu.Lock()
	defer gone.mu.Unlock()
	for key, n := range gone.attempts {
		if n != 1 {
			t.Errorf("refused notification %s was tried %d times", key, n)
		}
	}
}
