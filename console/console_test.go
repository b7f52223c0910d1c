package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"lianxi/actions"
	"lianxi/attachments"
	"lianxi/board"
	"lianxi/console/api"
	"lianxi/console/identity"
	"lianxi/cycles"
	"lianxi/domain"
	"lianxi/door"
	"lianxi/ledger"
	"lianxi/notify"
	"lianxi/plan"
	"lianxi/starter"
	"lianxi/taskclient"
	"lianxi/testkit"
	"lianxi/testkit/lianxitest"
	"lianxi/workflows"
)

// stack is the console over a real in-process Temporal server, a worker,
// the SQLite ledger and outbox, with tokens for every role.
type stack struct {
	t       *testing.T
	url     string
	tokens  identity.Tokens
	tasks   *taskclient.Client
	ledger  *ledger.SQLStore
	board   *board.Store
	console *Server
	key     door.Key
	outbox  *notify.Outbox
	// raw is a Temporal client without the door key, as anyone holding
	// only Temporal credentials has.
	raw client.Client
}

// testPlanTitle is the title of the plan every stack launches ("web").
const testPlanTitle = "网页测试规划"

func newStack(t *testing.T) *stack {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	// The API's client signs principals; the worker checks them.
	st := lianxitest.New(t, lianxitest.Options{Dir: dir, DoorKey: true, BoardLists: true})
	c, key, store, outbox, rows := st.Client(), st.Key(), st.Ledger(), st.Outbox(), st.Board()
	tokPath, prPath := filepath.Join(dir, "tokens.json"), filepath.Join(dir, "principals.json")
	reg, err := plan.DefaultRegistry()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := identity.EnsureTokens(tokPath, prPath, []string{"ndrc", "miit", "mof", "mofcom"}, func(id string) string {
		m, _ := reg.ByID(id)
		return m.Short
	}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(tokPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("tokens.json must be owner-only: %v %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(prPath); strings.Contains(string(b), `"token"`) {
		t.Fatal("principals file holds plain tokens")
	}
	principals, err := identity.LoadPrincipals(prPath)
	if err != nil {
		t.Fatal(err)
	}
	var tok identity.Tokens
	b, _ := os.ReadFile(tokPath)
	if err := json.Unmarshal(b, &tok); err != nil {
		t.Fatal(err)
	}
	// tokens.json names each ministry in Chinese beside its ID.
	if tok.Names["ndrc"] != "发展改革委" || tok.Ministries["ndrc"] == "" {
		t.Fatalf("tokens.json: names %v", tok.Names)
	}
	tasks := st.Tasks()
	files, err := attachments.Open(filepath.Join(dir, "attachments"), attachments.Options{MaxSize: testAttachmentMax})
	if err != nil {
		t.Fatal(err)
	}
	console, err := New(ctx, Deps{Deps: api.Deps{Tasks: tasks, Ledger: store, Board: rows, Outbox: outbox, Principals: principals, Registry: reg,
		Attachments: files, Cycles: &cycles.Cycles{Schedules: c.ScheduleClient(), Ledger: store, TaskQueue: workflows.TaskQueue, Now: time.Now, Grant: key.Grant}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(console)
	t.Cleanup(srv.Close)
	spec := domain.TaskSpec{PlanID: "web", PlanTitle: testPlanTitle, TaskNo: "1.1", Title: "网页测试任务", Lead: "ndrc", Participants: []string{"ndrc", "miit", "mof"}}
	if _, err := starter.Launch(ctx, c, []domain.TaskSpec{spec}, starter.Options{Board: rows, Titles: store}); err != nil {
		t.Fatal(err)
	}
	s := &stack{t: t, url: srv.URL, tokens: tok, tasks: tasks, ledger: store, board: rows, console: console, key: key,
		outbox: outbox, raw: st.RawClient()}
	// Inboxes read the pending ministries from the board, which the
	// workflow writes with its assignment, after it starts.
	testkit.Eventually(t, "the task on the board with three ministries pending", func() (bool, string) {
		l, err := tasks.List(ctx, taskclient.Filter{Plan: "web"})
		return err == nil && len(l) == 1 && len(l[0].Pending) == 3, fmt.Sprintf("%+v %v", l, err)
	})
	s.eventuallyLedgerCount("the assignment", 1)
	return s
}

// eventuallyLedgerCount waits until the ledger holds n records: a workflow
// records its assignment when its first workflow task runs, after the start
// has been answered.
func (s *stack) eventuallyLedgerCount(what string, n int64) {
	s.t.Helper()
	testkit.Eventually(s.t, fmt.Sprintf("%d ledger records (%s)", n, what), func() (bool, string) {
		got := s.ledgerCount()
		return got == n, fmt.Sprintf("%d records", got)
	})
}

func (s *stack) ledgerCount() int64 {
	res, err := ledger.Verify(context.Background(), s.ledger)
	if err != nil || !res.OK {
		s.t.Fatalf("ledger: %+v %v", res, err)
	}
	return res.Count
}

func (s *stack) token(role string) string {
	switch role {
	case "office":
		return s.tokens.Office
	case "auditor":
		return s.tokens.Auditor
	case "none":
		return ""
	case "forged":
		return "not-a-token-" + strings.Repeat("x", 30)
	default:
		return s.tokens.Ministries[role]
	}
}

type answer struct {
	status int
	body   string
	err    struct {
		Code, Message, Field string
	}
}

func (s *stack) call(role, method, path string, body []byte) answer {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	if tok := s.token(role); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return s.do(req)
}

func js(v any) []byte { b, _ := json.Marshal(v); return b }

func (s *stack) status() domain.TaskStatus {
	st, err := s.tasks.Status(context.Background(), "web/1.1")
	if err != nil {
		s.t.Fatal(err)
	}
	return st
}

// Every authenticated route × every role, walked from the server's own
// route table (so a route added without a rule is covered, and fails): each
// forbidden combination answers 401 or 403 (a console page redirects or
// refuses) and changes nothing, checked on the task and on the ledger.
func TestAuthorizationMatrix(t *testing.T) {
	s := newStack(t)
	before, count := s.status(), s.ledgerCount()
	actionRoutes := 0
	for _, rt := range s.console.routes {
		if len(rt.roles) == 0 {
			t.Errorf("%s has no rule saying who may use it", rt.pattern)
		}
		method, path, _ := strings.Cut(rt.pattern, " ")
		path = strings.NewReplacer("{plan}", "web", "{no}", "1.1", "{$}", "").Replace(path)
		if rt.action != nil {
			actionRoutes++
			if want := rolesFor(rt.action.Who); !slices.Equal(rt.roles, want) {
				t.Errorf("%s admits %v, but its action's definition says %v", rt.pattern, rt.roles, want)
			}
		}
		for _, role := range []string{"office", "auditor", "miit", "mofcom", "none", "forged"} {
			principal := RoleMinistry
			switch role {
			case "office", "auditor", "none", "forged":
				principal = role
			}
			if slices.Contains(rt.roles, principal) {
				continue
			}
			var code int
			if strings.HasPrefix(path, "/api/") {
				a := s.call(role, method, path, []byte("{}"))
				want := http.StatusForbidden
				if role == "none" || role == "forged" {
					want = http.StatusUnauthorized
				}
				if a.status != want || a.err.Code == "" {
					t.Errorf("%s %s as %s: %d %s, want %d with a JSON error", method, path, role, a.status, a.body, want)
				}
				continue
			}
			b := newBrowser(t, s)
			form := url.Values{}
			if tok := s.token(role); role != "none" && role != "forged" {
				b.login(tok)
				form.Set("csrf", b.csrf(homeOf(role)))
			}
			code, loc, _ := b.do(method, path, form)
			if role == "none" || role == "forged" {
				if !(code == http.StatusSeeOther && loc == "/login") && code != http.StatusUnauthorized {
					t.Errorf("%s %s signed out: %d to %q", method, path, code, loc)
				}
			} else if code != http.StatusForbidden {
				t.Errorf("%s %s as %s: %d, want 403", method, path, role, code)
			}
		}
	}
	if actionRoutes != 2*len(actions.All()) {
		t.Errorf("%d routes derived from actions, want an API route and a form for each of %d", actionRoutes, len(actions.All()))
	}
	after := s.status()
	if after.Status != before.Status || len(after.Pending) != len(before.Pending) || len(after.Participants) != len(before.Participants) ||
		len(after.Progress) != 0 || len(after.Extensions) != 0 {
		t.Errorf("forbidden requests changed the task: %+v", after)
	}
	if n := s.ledgerCount(); n != count {
		t.Errorf("forbidden requests wrote %d ledger records", n-count)
	}
	// Reads that are allowed answer.
	if a := s.call("mofcom", "GET", "/api/tasks", nil); a.status != 200 || strings.Contains(a.body, "web/1.1") {
		t.Errorf("a ministry's list shows only its tasks: %d %s", a.status, a.body)
	}
	if a := s.call("miit", "GET", "/api/tasks?ministry=mof", nil); a.status != 403 {
		t.Errorf("a ministry asking for another's tasks: %d", a.status)
	}
	if a := s.call("miit", "GET", "/api/plans/web/tasks/1.1", nil); a.status != 200 || !strings.Contains(a.body, `"status":"signing"`) {
		t.Errorf("participant reads the task: %d %s", a.status, a.body)
	}
}

// homeOf is the page a role lands on, to take a CSRF token from.
func homeOf(role string) string {
	switch role {
	case "office":
		return "/office"
	case "auditor":
		return "/audit"
	}
	return "/inbox"
}

// Bad input gets a 400 naming the field, and nothing is recorded.
func TestInvalidInput(t *testing.T) {
	s := newStack(t)
	path := "/api/plans/web/tasks/1.1/sign-off"
	count := s.ledgerCount()
	cases := []struct {
		name  string
		body  []byte
		field string
	}{
		{"oversized comment", js(map[string]string{"decision": "approve", "comment": strings.Repeat("长", domain.MaxCommentLen+1)}), "comment"},
		{"invalid UTF-8", []byte("{\"decision\":\"approve\",\"comment\":\"bad \xff\xfe\"}"), "comment"},
		{"unknown decision", js(map[string]string{"decision": "maybe"}), "decision"},
		{"objection without reason", js(map[string]string{"decision": "object"}), "comment"},
		{"malformed JSON", []byte(`{"decision":`), ""},
		{"ministry in the body", js(map[string]string{"decision": "approve", "ministry": "mof"}), "ministry"},
		{"wrong type", []byte(`{"decision": 5}`), "decision"},
	}
	for _, c := range cases {
		a := s.call("miit", "POST", path, c.body)
		if a.status != http.StatusBadRequest || a.err.Field != c.field || a.err.Message == "" {
			t.Errorf("%s: %d field %q message %q, want 400 naming %q", c.name, a.status, a.err.Field, a.err.Message, c.field)
		}
	}
	if a := s.call("miit", "POST", "/api/plans/web/tasks/9.9/sign-off", js(map[string]string{"decision": "approve"})); a.status != 404 {
		t.Errorf("unknown task: %d %s", a.status, a.body)
	}
	if a := s.call("ndrc", "POST", path, js(map[string]string{"decision": "approve", "report": "r"})); a.status != 409 || !strings.Contains(a.err.Message, "signs last") {
		t.Errorf("lead first: %d %s", a.status, a.body)
	}
	if a := s.call("office", "POST", "/api/plans?plan_id=bad", []byte("not a plan at all")); a.status != 400 || a.err.Field != "file" {
		t.Errorf("bad plan upload: %d %s", a.status, a.body)
	}
	if n := s.ledgerCount(); n != count {
		t.Errorf("rejected requests wrote %d ledger records", n-count)
	}
	if st := s.status(); len(st.Pending) != 3 {
		t.Errorf("rejected requests changed the task: pending %v", st.Pending)
	}
}

// The office uploads a plan (preview, then launch twice), ministries sign
// through the API, the office approves.
func TestAPIFlow(t *testing.T) {
	s := newStack(t)
	doc := "（一）测试。\n1.联合推进。（发展改革委、财政部等负责）\n2.单独推进。（财政部牵头）\n"
	a := s.call("office", "POST", "/api/plans?dry_run=1&plan_id=up", []byte(doc))
	if a.status != 200 || !strings.Contains(a.body, `"dry_run":true`) || !strings.Contains(a.body, `"lead":"ndrc"`) {
		t.Fatalf("dry run: %d %s", a.status, a.body)
	}
	for i, want := range []string{`"started":2`, `"already_running":2`} {
		if a := s.call("office", "POST", "/api/plans?plan_id=up", []byte(doc)); a.status != 200 || !strings.Contains(a.body, want) {
			t.Errorf("launch %d: %d %s, want %s", i+1, a.status, a.body, want)
		}
	}
	task := "/api/plans/web/tasks/1.1"
	for _, step := range []struct{ role, path, body string }{
		{"miit", "/sign-off", `{"decision":"approve","request_id":"m1"}`},
		{"miit", "/sign-off", `{"decision":"approve","request_id":"m1"}`},
		{"mof", "/sign-off", `{"decision":"object","comment":"口径不一致"}`},
		{"ndrc", "/sign-off", `{"decision":"approve","report":"联合报告","signer":"张三"}`},
		{"office", "/review", `{"decision":"approve","comment":"同意办结"}`},
	} {
		if a := s.call(step.role, "POST", task+step.path, []byte(step.body)); a.status != 200 || !strings.Contains(a.body, `"hash"`) {
			t.Fatalf("%s %s: %d %s", step.role, step.path, a.status, a.body)
		}
	}
	if st := s.status(); st.Status != domain.StatusClosed {
		t.Errorf("after the review the task is %s, want closed", st.Status)
	}
	// The two uploaded tasks record their assignments on their own time.
	s.eventuallyLedgerCount("3 assignments, 3 answers, the review", 7)
	if a := s.call("auditor", "GET", "/api/audit/verify", nil); a.status != 200 || !strings.Contains(a.body, `"ok":true`) {
		t.Errorf("verify: %d %s", a.status, a.body)
	}
	if a := s.call("auditor", "GET", task+"/history", nil); a.status != 200 || !strings.Contains(a.body, "WorkflowExecutionUpdateAccepted") && !strings.Contains(a.body, "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED") {
		t.Errorf("history: %d %.200s", a.status, a.body)
	}
	// Notifications are sent by activities after the review has answered.
	testkit.Eventually(t, "miit's notifications to tell of the closure (办结)", func() (bool, string) {
		a := s.call("miit", "GET", "/api/notifications", nil)
		return a.status == 200 && strings.Contains(a.body, "办结"), fmt.Sprintf("%d %.300s", a.status, a.body)
	})
}
