package console

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"

	"lianxi/domain"
	"lianxi/door"
	"lianxi/ledger"
	"lianxi/notify"
	"lianxi/taskclient"
	"lianxi/testkit"
)

// updateEvents counts the update events in the task's history.
func (s *stack) updateEvents() int {
	s.t.Helper()
	it := s.raw.GetWorkflowHistory(context.Background(), "web/1.1", "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	n := 0
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			s.t.Fatal(err)
		}
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED {
			n++
		}
	}
	return n
}

// No door around the API: a bare Temporal client, a client with another
// key, and a signed principal acting for another ministry are all refused
// before the validator, and leave nothing in the history or on the ledger.
func TestUpdatesWithoutTheAPIAreRefused(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	count, events := s.ledgerCount(), s.updateEvents()
	signOff := domain.SignOffRequest{Ministry: "miit", Decision: domain.DecisionApprove}
	send := func(c client.Client, ctx context.Context, arg any) error {
		_, err := (&taskclient.Client{C: c}).Update(ctx, "web/1.1", domain.UpdateSignOff, "", arg)
		return err
	}
	otherKey, _ := door.NewKey()
	cases := []struct {
		name string
		err  func() error
		want string
	}{
		{"bare client naming miit", func() error { return send(s.raw, ctx, signOff) }, "carries no signed principal"},
		{"another key", func() error {
			c, err := client.NewClientFromExisting(s.raw, client.Options{Namespace: s.tasks.Namespace, Interceptors: []interceptor.ClientInterceptor{door.ClientInterceptor(otherKey)}})
			if err != nil {
				t.Fatal(err)
			}
			return send(c, door.WithPrincipal(ctx, door.Principal{Name: "miit", Role: door.RoleMinistry, Ministry: "miit"}), signOff)
		}, "signature does not match"},
		{"mof signing in miit's name", func() error {
			return send(s.tasks.C, door.WithPrincipal(ctx, door.Principal{Name: "mof", Role: door.RoleMinistry, Ministry: "mof"}), signOff)
		}, "only in its own name"},
		{"a ministry reviewing", func() error {
			_, err := s.tasks.Update(door.WithPrincipal(ctx, door.Principal{Name: "miit", Role: door.RoleMinistry, Ministry: "miit"}),
				"web/1.1", domain.UpdateCancel, "", domain.CancelRequest{Reason: "x"})
			return err
		}, "office's action"},
	}
	for _, c := range cases {
		err := c.err()
		var rej *taskclient.Rejection
		if !errors.As(err, &rej) || rej.Type != door.ErrTypeUnauthorized || !strings.Contains(rej.Message, c.want) {
			t.Errorf("%s: %v, want Unauthorized mentioning %q", c.name, err, c.want)
		}
	}
	if n := s.ledgerCount(); n != count {
		t.Errorf("refused updates wrote %d ledger records", n-count)
	}
	if n := s.updateEvents(); n != events {
		t.Errorf("refused updates left %d update events in the history", n-events)
	}
	if st := s.status(); len(st.Pending) != 3 {
		t.Errorf("refused updates changed the task: pending %v", st.Pending)
	}
	// The same sign-off through the API is accepted.
	if a := s.call("miit", "POST", "/api/plans/web/tasks/1.1/sign-off", js(map[string]string{"decision": "approve"})); a.status != 200 {
		t.Errorf("through the API: %d %s", a.status, a.body)
	}
}

// A request ID belongs to its principal and action: the same ID sent by
// another ministry, or for another action, is a decision of its own.
func TestRequestIDsAreScopedToPrincipalAndAction(t *testing.T) {
	s := newStack(t)
	task := "/api/plans/web/tasks/1.1"
	count := s.ledgerCount()
	var hashes []string
	for _, step := range []struct{ role, path, body string }{
		{"ndrc", "/progress", `{"text":"牵头单位进展","request_id":"shared-1"}`},
		{"miit", "/progress", `{"text":"工信部进展","request_id":"shared-1"}`},
		{"miit", "/sign-off", `{"decision":"approve","request_id":"shared-1"}`},
		{"miit", "/sign-off", `{"decision":"approve","request_id":"shared-1"}`}, // a retry: answered once
	} {
		a := s.call(step.role, "POST", task+step.path, []byte(step.body))
		if a.status != 200 {
			t.Fatalf("%s %s: %d %s", step.role, step.path, a.status, a.body)
		}
		hashes = append(hashes, a.body)
	}
	if hashes[0] == hashes[1] || hashes[1] == hashes[2] || hashes[2] != hashes[3] {
		t.Errorf("receipts: %v; want three decisions and the retry answered with the third", hashes)
	}
	if n := s.ledgerCount(); n != count+3 {
		t.Errorf("ledger grew by %d, want 3", n-count)
	}
	st := s.status()
	if len(st.Progress) != 2 || st.Progress[1].Ministry != "miit" || st.Participants[1].Answer == nil {
		t.Errorf("miit's progress and sign-off were not recorded: %+v", st)
	}
	if a := s.call("miit", "POST", task+"/progress", []byte(`{"text":"x","request_id":"no/slashes"}`)); a.status != 400 || a.err.Field != "request_id" {
		t.Errorf("malformed request ID: %d %s", a.status, a.body)
	}
}

// Amend with an unknown ministry or a past due date is refused by the
// workflow, with the same message from the API and the console form.
func TestAmendRulesAreTheWorkflows(t *testing.T) {
	s := newStack(t)
	count := s.ledgerCount()
	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	csrf := office.csrf("/tasks/web/1.1")
	past := time.Now().AddDate(0, 0, -1).UTC().Format("2006-01-02")
	for _, c := range []struct {
		name, want string
		body       map[string]any
		form       url.Values
	}{
		{"unknown ministry", `ministry "ghostministry" is not in the registry`,
			map[string]any{"add": []string{"ghostministry"}, "reason": "补充"},
			url.Values{"add": {"ghostministry"}, "reason": {"补充"}}},
		{"past due date", "sign_off_due " + past + " 00:00 UTC is not in the future",
			map[string]any{"sign_off_due": past, "reason": "调整"},
			url.Values{"sign_off_due": {past}, "reason": {"调整"}}},
	} {
		a := s.call("office", "POST", "/api/plans/web/tasks/1.1/amend", js(c.body))
		if a.status != 400 || !strings.Contains(a.err.Message, c.want) {
			t.Errorf("%s through the API: %d %s, want 400 with %q", c.name, a.status, a.body, c.want)
		}
		c.form.Set("csrf", csrf)
		code, loc, _ := office.do("POST", "/tasks/web/1.1/amend", c.form)
		if code != http.StatusSeeOther || loc != "/tasks/web/1.1?error=invalid" {
			t.Errorf("%s through the form: %d to %q, want a redirect with the key only", c.name, code, loc)
		}
		if _, _, page := office.do("GET", loc, nil); !strings.Contains(page, template.HTMLEscapeString(a.err.Message)) {
			t.Errorf("%s through the form: the page does not show the workflow's reason %q from the session", c.name, a.err.Message)
		}
	}
	if n := s.ledgerCount(); n != count {
		t.Errorf("refused amendments wrote %d records", n-count)
	}
	if a := s.call("office", "POST", "/api/plans/web/tasks/1.1/amend", js(map[string]any{"add": []string{"mofcom"}, "reason": "补充商务部", "beyond_list": "beyond"})); a.status != 200 {
		t.Errorf("a known ministry: %d %s", a.status, a.body)
	}
}

// 催办: the office urges the ministries that have not answered; each gets
// an urge notification, the ledger says who urged whom, and the action is
// offered by the API, the console and (cmd/lianxi's test) the CLI.
func TestUrgeNotifiesExactlyThePending(t *testing.T) {
	s := newStack(t)
	task := "/api/plans/web/tasks/1.1"
	if a := s.call("miit", "POST", task+"/sign-off", js(map[string]string{"decision": "approve"})); a.status != 200 {
		t.Fatalf("miit signs: %d %s", a.status, a.body)
	}
	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	if _, _, body := office.do("GET", "/tasks/web/1.1", nil); !strings.Contains(body, `id="urge-form"`) {
		t.Errorf("the office's task page offers no urge form")
	}
	if a := s.call("miit", "POST", task+"/urge", []byte(`{}`)); a.status != 403 {
		t.Errorf("a ministry urging: %d", a.status)
	}
	if a := s.call("office", "POST", task+"/urge", js(map[string]string{"comment": "请本周内会签"})); a.status != 200 {
		t.Fatalf("urge: %d %s", a.status, a.body)
	}
	urged := func(who string) bool {
		msgs, err := s.outbox.Inbox(context.Background(), who, 50)
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(msgs, func(m notify.Message) bool { return m.Kind == domain.NotifyUrge })
	}
	testkit.Eventually(t, "urge notifications to ndrc and mof", func() (bool, string) {
		return urged("ndrc") && urged("mof"), fmt.Sprintf("ndrc %v, mof %v", urged("ndrc"), urged("mof"))
	})
	if urged("miit") || urged("office") {
		t.Errorf("urge reached a ministry that has answered, or the office")
	}
	var last string
	if err := s.ledger.ScanWorkflow(context.Background(), "web/1.1", func(r ledger.Record) error {
		last = r.Kind + " " + r.Ministry + " " + r.Payload["pending"]
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if last != "urge office mof,ndrc" {
		t.Errorf("last ledger record %q, want the office urging mof, then the lead ndrc", last)
	}
}

// An action on a finished task answers 409 with the task's state, not 404.
func TestActionOnFinishedTaskIsAConflict(t *testing.T) {
	s := newStack(t)
	task := "/api/plans/web/tasks/1.1"
	if a := s.call("office", "POST", task+"/cancel", js(map[string]string{"reason": "并入其他任务"})); a.status != 200 {
		t.Fatalf("cancel: %d %s", a.status, a.body)
	}
	testkit.Eventually(t, "the run ended", func() (bool, string) {
		d, err := s.raw.DescribeWorkflowExecution(context.Background(), "web/1.1", "")
		st := d.GetWorkflowExecutionInfo().GetStatus()
		return err == nil && st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, fmt.Sprint(st, err)
	})
	a := s.call("miit", "POST", task+"/sign-off", js(map[string]string{"decision": "approve"}))
	if a.status != http.StatusConflict || !strings.Contains(a.err.Message, "task 1.1 is cancelled (已撤销) since") {
		t.Errorf("sign-off on a cancelled task: %d %s", a.status, a.body)
	}
	if a := s.call("miit", "POST", "/api/plans/web/tasks/9.9/sign-off", js(map[string]string{"decision": "approve"})); a.status != http.StatusNotFound {
		t.Errorf("a task that never existed: %d %s", a.status, a.body)
	}
}
