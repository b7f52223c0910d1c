package console

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"lianxi/board"
	"lianxi/console/reports"
	"lianxi/domain"
)

// An operator terminates a task's run: the very next read says 已终止
// with nobody pending, the board row is ended by that read (not by the
// sweep minutes later), the page offers no action, the dashboard counts
// the task under its ended status, and an action is refused.
func TestTerminatedTaskEndsAtOnce(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	task := "/api/plans/web/tasks/1.1"
	if a := s.call("miit", "POST", task+"/sign-off", []byte(`{"decision":"approve"}`)); a.status != http.StatusOK {
		t.Fatalf("miit signs: %d %s", a.status, a.body)
	}
	if err := s.raw.TerminateWorkflow(ctx, "web/1.1", "", "an operator stops the run"); err != nil {
		t.Fatalf("terminate: %v", err)
	}
	// "At once" is the very first read after the termination, with no
	// sweep in between (a bound in seconds would measure the machine).
	a := s.call("miit", "GET", task, nil)
	if a.status != http.StatusOK {
		t.Fatalf("GET the terminated task: %d %s", a.status, a.body)
	}
	var st domain.TaskStatus
	if err := json.Unmarshal([]byte(a.body), &st); err != nil {
		t.Fatal(err)
	}
	if st.Status != domain.StatusTerminated || len(st.Pending) != 0 || st.Outcome == nil || st.Outcome.Status != domain.StatusTerminated {
		t.Errorf("the API reads the terminated task as %s, pending %v, outcome %+v; want terminated, nobody pending", st.Status, st.Pending, st.Outcome)
	}
	if len(st.Participants) != 3 || st.Participants[1].Answer == nil {
		t.Errorf("the terminated task lost its state: %+v", st.Participants)
	}
	rows, err := s.board.List(ctx, board.Filter{Plan: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Status != domain.StatusTerminated || len(rows[0].Pending) != 0 {
		t.Errorf("the board row after the read: %+v, want terminated with nobody pending", rows)
	}
	if rows, _ := s.board.List(ctx, board.Filter{Pending: "mof"}); len(rows) != 0 {
		t.Errorf("mof's inbox still lists the terminated task: %+v", rows)
	}
	// The ledger says so too, once, however often the task is read.
	s.call("office", "GET", task, nil)
	if ended := s.recordsOf(domain.KindRunEnded); len(ended) != 1 || ended[0].Payload["status"] != domain.StatusTerminated ||
		ended[0].WorkflowID != "web/1.1" || ended[0].Ministry != domain.ActorSystem {
		t.Errorf("run-ended records %+v, want one saying terminated", ended)
	}

	for _, who := range []struct{ role, token string }{{"miit", s.tokens.Ministries["miit"]}, {"office", s.tokens.Office}} {
		b := newBrowser(t, s)
		b.login(who.token)
		code, _, page := b.do("GET", "/tasks/web/1.1", nil)
		if code != http.StatusOK {
			t.Fatalf("%s's task page: %d", who.role, code)
		}
		if !strings.Contains(page, `id="status">`+statusLabels[domain.StatusTerminated]) || !strings.Contains(page, `id="ended"`) {
			t.Errorf("%s's task page does not say %s", who.role, statusLabels[domain.StatusTerminated])
		}
		if strings.Contains(page, `<form method="post" action="/tasks/web/1.1/`) {
			t.Errorf("%s's task page offers an action on a terminated task", who.role)
		}
	}
	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	if _, _, page := office.do("GET", "/office", nil); !strings.Contains(page, statusLabels[domain.StatusTerminated]+"：<b>1</b>") {
		t.Errorf("the dashboard totals leave the terminated task out")
	}
	var stats reports.Stats
	if a := s.call("office", "GET", "/api/stats?plan=web", nil); a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &stats) != nil {
		t.Fatalf("stats: %d %s", a.status, a.body)
	}
	if len(stats.Sections) != 1 || stats.Sections[0].Ended != 1 || stats.Sections[0].Open != 0 {
		t.Errorf("the plan's stats count the terminated task as %+v, want ended, not open", stats.Sections)
	}
	for _, m := range stats.Ministries {
		if m.Pending != 0 {
			t.Errorf("stats still count %s as pending on the terminated task", m.ID)
		}
	}
	a = s.call("mof", "POST", task+"/sign-off", []byte(`{"decision":"approve"}`))
	if a.status != http.StatusConflict || !strings.Contains(a.err.Message, domain.StatusTerminated) {
		t.Errorf("an action on the terminated task: %d %s, want 409 naming its status", a.status, a.body)
	}
}
