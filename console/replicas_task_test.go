package console

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"

	"lianxi/attachments"
	"lianxi/console/api"
	"lianxi/console/identity"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/notify"
)

// replicaOf builds what a second console process beside s opens: its own
// handle on s's ledger file, its own outbox, its own reading of the
// principals file, the same attachments folder (a shared volume).
func replicaOf(t *testing.T, s *stack) Deps {
	t.Helper()
	ctx := context.Background()
	var path string
	if err := s.ledger.DB().QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
		t.Fatal(err)
	}
	store, err := ledger.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	outbox, err := notify.NewOutbox(ctx, store, notify.OutboxOptions{ConsoleURL: "http://console"})
	if err != nil {
		t.Fatal(err)
	}
	principals, err := identity.LoadPrincipals(s.console.d.Principals.Path())
	if err != nil {
		t.Fatal(err)
	}
	files, err := attachments.Open(filepath.Join(filepath.Dir(path), "attachments"), attachments.Options{MaxSize: testAttachmentMax})
	if err != nil {
		t.Fatal(err)
	}
	return Deps{Deps: api.Deps{Tasks: s.tasks, Ledger: store, Outbox: outbox, Principals: principals, Registry: s.console.d.Registry,
		Attachments: files, Logger: zap.NewNop()}}
}

// TestTaskThroughTwoReplicas drives a task to closure through a
// round-robin proxy over two consoles on one ledger and one Temporal, each
// request landing on the replica whose turn it is: ministries sign in the
// console and through the API, a file uploaded through one replica is
// downloaded through the other, and one replica is killed and started
// again between the sign-offs. Nobody is signed out, every notice shows,
// and every decision is on the ledger once.
func TestTaskThroughTwoReplicas(t *testing.T) {
	s := newStack(t)
	host := strings.TrimPrefix(s.url, "http://")
	b := startReplica(t, "127.0.0.1:0", replicaOf(t, s))
	proxy, _ := roundRobin(t, []string{host, b.addr})
	via := *s
	via.url = proxy.URL
	task := "/tasks/web/1.1"

	// Signed in before the kill, used after it.
	miit, ndrc := newBrowser(t, &via), newBrowser(t, &via)
	miit.login(s.tokens.Ministries["miit"])
	ndrc.login(s.tokens.Ministries["ndrc"])

	// A form from one replica posted to the other; its notice on the next.
	form := url.Values{"csrf": {miit.csrf(task)}, "decision": {"approve"}, "signer": {"工信部签署人"}, "request_id": {"miit-sign"}}
	code, loc, _ := miit.do("POST", task+"/sign-off", form)
	if code != http.StatusSeeOther || loc != task+"?msg=submitted" {
		t.Fatalf("miit signs in the console: %d to %q", code, loc)
	}
	if _, _, page := miit.do("GET", loc, nil); !strings.Contains(page, flashTexts["submitted"]) {
		t.Errorf("the notice of miit's sign-off is not shown")
	}
	// The same form again (a double click, a retry) on the other replica
	// answers with the first receipt and writes nothing more.
	if code, _, _ := miit.do("POST", task+"/sign-off", form); code != http.StatusSeeOther {
		t.Errorf("miit's sign-off sent again: %d", code)
	}

	// Replica b is killed and started again, a new process on its address.
	b.stop()
	startReplica(t, b.addr, replicaOf(t, s))

	// mof uploads through one replica and the file downloads through the
	// other, then signs through the API naming it.
	text := []byte("会签附件：数据核对说明\n")
	up := via.upload("mof", "核对说明.txt", text)
	var meta struct{ SHA256 string }
	if up.status != http.StatusCreated || json.Unmarshal([]byte(up.body), &meta) != nil || meta.SHA256 != hashOf(text) {
		t.Fatalf("upload through the proxy: %d %s", up.status, up.body)
	}
	for range 2 {
		if a, _ := via.download("miit", meta.SHA256); a.status != http.StatusOK || a.body != string(text) {
			t.Fatalf("download through the proxy: %d %q", a.status, a.body)
		}
	}
	if a := via.call("mof", "POST", "/api/plans/web/tasks/1.1/sign-off", js(map[string]any{"decision": "approve", "attachments": []string{meta.SHA256}})); a.status != http.StatusOK {
		t.Fatalf("mof signs through the API: %d %s", a.status, a.body)
	}

	// The lead, signed in before the restart, signs in the console.
	code, loc, _ = ndrc.do("POST", task+"/sign-off", url.Values{"csrf": {ndrc.csrf(task)}, "decision": {"approve"}, "report": {"联合报告"}, "request_id": {"ndrc-sign"}})
	if code != http.StatusSeeOther || loc != task+"?msg=submitted" {
		t.Fatalf("the lead signs after the restart: %d to %q (signed out?)", code, loc)
	}
	office := newBrowser(t, &via)
	office.login(s.tokens.Office)
	if code, loc, _ := office.do("POST", task+"/review", url.Values{"csrf": {office.csrf(task)}, "decision": {"approve"}, "request_id": {"review"}}); code != http.StatusSeeOther || !strings.Contains(loc, "msg=") {
		t.Fatalf("the office reviews: %d to %q", code, loc)
	}
	if st := s.status(); st.Status != domain.StatusClosed {
		t.Fatalf("task %s, want closed", st.Status)
	}
	signs := map[string]int{}
	for _, r := range s.recordsOf(domain.KindSignOff) {
		signs[r.Ministry]++
	}
	if len(signs) != 3 || signs["miit"] != 1 || signs["mof"] != 1 || signs["ndrc"] != 1 {
		t.Errorf("sign-offs on the ledger %v, want one each from miit, mof and ndrc", signs)
	}
	if n := len(s.recordsOf(domain.KindReview)) + len(s.recordsOf(domain.KindClosure)); n == 0 {
		t.Error("the review is not on the ledger")
	}
}
