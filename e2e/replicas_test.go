package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"lianxi/attachments/attachmentstest"
	"lianxi/console/identity"
	"lianxi/testkit"
)

// Real OS processes — a Temporal server on PostgreSQL, two workers, two
// serve replicas sharing the ledger's PostgreSQL and a data folder, behind
// a round-robin proxy — while part of the bundled plan is driven through
// the proxy: ministries sign in the console (signed in once, at the start)
// and through the API, a file uploaded through one replica is downloaded
// through the other, and one replica is killed with SIGKILL and started
// again midway. Nobody is signed out, every decision is on the ledger
// once, and the periodic work has one holder.
func TestTwoServeReplicas(t *testing.T) {
	pgBin := os.Getenv("LIANXI_TEST_PG_BIN")
	if pgBin == "" {
		if os.Getenv("LIANXI_REQUIRE_PG") != "" {
			t.Fatal("LIANXI_TEST_PG_BIN is empty: the test command should have set it")
		}
		t.Skip("PostgreSQL binaries not known (./scripts/test.sh sets LIANXI_TEST_PG_BIN)")
	}
	if testing.Short() {
		t.Skip("multi-process test skipped in -short mode")
	}
	bin := buildLianxi(t)
	pg := startPostgres(t, pgBin)
	dir := t.TempDir()
	temporal := temporalAddress(t)
	addrs := []string{freePort(t), freePort(t)}
	common := []string{"--temporal-address", temporal, "--log-level", "warn", "--log-format", "json"}
	newProc := func(name string, args ...string) *proc {
		f, err := os.Create(filepath.Join(dir, name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			f.Close()
			if t.Failed() {
				b, _ := os.ReadFile(f.Name())
				t.Logf("--- %s log (tail) ---\n%s", name, tail(string(b), 3000))
			}
		})
		return &proc{t: t, name: name, bin: bin, args: append(args, common...), log: f}
	}
	server := newProc("server", append([]string{"server", "--data", filepath.Join(dir, "temporal")}, onPostgres.serverArgs(pg)...)...)
	server.start()
	defer server.stop()
	// A worker that finds no namespace exits: start them once the server
	// has registered it.
	testkit.EventuallyWithin(t, 3*time.Minute, "the server's default namespace", func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := client.DialContext(ctx, client.Options{HostPort: temporal, Logger: log.NewStructuredLogger(slog.New(slog.DiscardHandler))})
		if err != nil {
			return false, err.Error()
		}
		defer c.Close()
		_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "default"})
		return err == nil, fmt.Sprint(err)
	})
	if out, err := exec.Command(bin, "tokens", "init", "--data", dir).CombinedOutput(); err != nil {
		t.Fatalf("lianxi tokens init: %v\n%s", err, out)
	}
	prPath, keyPath := filepath.Join(dir, "principals.json"), filepath.Join(dir, "door.key")
	var tokens identity.Tokens
	b, err := os.ReadFile(filepath.Join(dir, "tokens.json"))
	if err == nil {
		err = json.Unmarshal(b, &tokens)
	}
	if err != nil {
		t.Fatalf("read tokens: %v", err)
	}
	procs := []*proc{
		newProc("worker-1", "worker", "--data", dir, "--ledger-dsn", pg.dsn, "--door-key", keyPath),
		newProc("worker-2", "worker", "--data", dir, "--ledger-dsn", pg.dsn, "--door-key", keyPath),
	}
	// Attachments in one S3-compatible bucket, as replicas on several
	// machines would keep them (no shared folder).
	bucket := attachmentstest.S3URL(t)
	var serves []*proc
	for i, addr := range addrs {
		serves = append(serves, newProc(fmt.Sprint("serve-", i+1), "serve", "--data", dir, "--ledger-dsn", pg.dsn,
			"--principals", prPath, "--http-addr", addr, "--door-key", keyPath, "--attachments", bucket))
	}
	for _, p := range append(procs, serves...) {
		p.start()
		defer p.stop()
	}

	var turn atomic.Int64
	proxy := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(&url.URL{Scheme: "http", Host: addrs[(turn.Add(1)-1)%int64(len(addrs))]})
			pr.Out.Host = pr.In.Host
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) },
	})
	defer proxy.Close()
	api := &apiClient{t: t, base: proxy.URL, hc: &http.Client{Timeout: 20 * time.Second}}

	p := onPostgres.plan(t)
	body, _ := json.Marshal(p)
	// A launch while the server still registers the search attributes may
	// start some tasks only; sent again, it starts the rest.
	testkit.EventuallyWithin(t, 2*time.Minute, "the plan launched", func() (bool, string) {
		var res struct {
			Started        int `json:"started"`
			AlreadyRunning int `json:"already_running"`
		}
		out := api.call(tokens.Office, "POST", "/api/plans?plan_id="+p.PlanID, body, "application/json")
		err := json.Unmarshal(out, &res)
		return err == nil && res.Started+res.AlreadyRunning == len(p.Tasks), string(out)
	})
	tasks := p.Tasks[:6]

	// Every ministry of the driven tasks signs in to the console now, once.
	users := map[string]*consoleUser{}
	for _, task := range tasks {
		for _, pt := range task.Participants {
			if users[pt.ID] == nil {
				users[pt.ID] = signInConsole(t, proxy.URL, tokens.Ministries[pt.ID])
			}
		}
	}

	made := 0
	for i, task := range tasks {
		if i == len(tasks)/2 {
			// Midway, replica 2 dies without warning and comes back.
			serves[1].kill9()
			time.Sleep(500 * time.Millisecond)
			serves[1].start()
		}
		path := "/plans/" + p.PlanID + "/tasks/" + task.No
		lead := task.Participants[0].ID
		for j, pt := range task.Participants[1:] {
			if j%2 == 0 {
				users[pt.ID].signOff("/tasks/"+p.PlanID+"/"+task.No, "co-"+pt.ID)
			} else {
				api.call(tokens.Ministries[pt.ID], "POST", "/api"+path+"/sign-off", []byte(fmt.Sprintf(`{"decision":"approve","request_id":"co-%s"}`, pt.ID)), "application/json")
			}
			made++
		}
		// The lead attaches a file uploaded through one replica, fetched
		// through the other.
		text := []byte("联合报告附件 " + task.No + "\n")
		var up struct{ SHA256 string }
		_ = json.Unmarshal(api.upload(tokens.Ministries[lead], "/api"+path+"/attachments", "附件.txt", text), &up)
		for range 2 {
			if got := api.call(tokens.Office, "GET", "/api"+path+"/attachments/"+up.SHA256, nil, ""); !bytes.Equal(got, text) {
				t.Fatalf("task %s: the attachment downloads as %q", task.No, got)
			}
		}
		api.call(tokens.Ministries[lead], "POST", "/api"+path+"/sign-off",
			[]byte(fmt.Sprintf(`{"decision":"approve","report":"联合报告","attachments":[%q],"request_id":"lead"}`, up.SHA256)), "application/json")
		api.call(tokens.Office, "POST", "/api"+path+"/review", []byte(`{"decision":"approve","request_id":"review"}`), "application/json")
		made += 2
	}

	for _, task := range tasks {
		testkit.Eventually(t, "task "+task.No+" closed", func() (bool, string) {
			var st struct{ Status string }
			err := json.Unmarshal(api.call(tokens.Office, "GET", "/api/plans/"+p.PlanID+"/tasks/"+task.No, nil, ""), &st)
			return err == nil && st.Status == "closed", fmt.Sprintf("status %q %v", st.Status, err)
		})
	}
	db, err := sql.Open("pgx", pg.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Each decision is there once, whichever replica took it and however
	// often it was sent.
	var total int
	if err := db.QueryRow(`SELECT COUNT(*) FROM decisions WHERE plan_id = $1 AND kind <> 'assigned'`, p.PlanID).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != made {
		t.Errorf("the ledger holds %d decisions of the plan, %d were made", total, made)
	}
	for _, lease := range []string{"board", "attachments-sweep"} {
		var holder string
		var period int64
		if err := db.QueryRow(`SELECT holder, period FROM leases WHERE name = $1`, lease).Scan(&holder, &period); err != nil || holder == "" || period == 0 {
			t.Errorf("lease %s: holder %q, period %d (%v): want one process holding it and a period run", lease, holder, period, err)
		}
	}
	t.Logf("two replicas: %d decisions through the proxy, %d on the ledger, replica 2 killed and restarted, %d console users never signed out", made, total, len(users))
}

// apiClient calls the API through the proxy, sending a request again
// (with the same request ID) while the replica it lands on is down.
type apiClient struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func (a *apiClient) call(token, method, path string, body []byte, contentType string) []byte {
	a.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		req, _ := http.NewRequest(method, a.base+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := a.hc.Do(req)
		if err == nil {
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated {
				return out
			}
			if resp.StatusCode < 500 {
				a.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, out)
			}
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("%s %s: no success within the deadline (last error %v)", method, path, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func (a *apiClient) upload(token, path, name string, content []byte) []byte {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	return a.call(token, "POST", path, body.Bytes(), mw.FormDataContentType())
}

// consoleUser is a browser signed in to the console through the proxy.
type consoleUser struct {
	t    *testing.T
	base string
	c    *http.Client
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func signInConsole(t *testing.T, base, token string) *consoleUser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u := &consoleUser{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(300 * time.Millisecond) {
		code, _, page := u.do("GET", "/login", nil)
		if m := csrfInput.FindStringSubmatch(page); code == http.StatusOK && m != nil {
			code, loc, _ := u.do("POST", "/login", url.Values{"token": {token}, "csrf": {m[1]}})
			if code == http.StatusSeeOther && loc == "/" {
				return u
			}
			if code < 500 {
				t.Fatalf("sign-in: %d to %q", code, loc)
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("sign-in: the console did not answer")
		}
	}
}

func (u *consoleUser) do(method, path string, form url.Values) (int, string, string) {
	var resp *http.Response
	var err error
	if method == "GET" {
		resp, err = u.c.Get(u.base + path)
	} else {
		resp, err = u.c.PostForm(u.base+path, form)
	}
	if err != nil {
		return http.StatusBadGateway, "", err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// signOff signs in the console's form: the page from one replica, the
// post to the next, sent again with the same request ID while a replica is
// down. Being sent to the sign-in page fails the test: signed out.
func (u *consoleUser) signOff(taskPage, requestID string) {
	u.t.Helper()
	last := ""
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(300 * time.Millisecond) {
		if time.Now().After(deadline) {
			u.t.Fatalf("sign-off in the console on %s: no success within the deadline (last: %s)", taskPage, last)
		}
		code, loc, page := u.do("GET", taskPage, nil)
		last = fmt.Sprintf("GET %d %q %s", code, loc, tail(page, 200))
		if loc == "/login" || code == http.StatusUnauthorized {
			u.t.Fatalf("signed out: GET %s went to the sign-in page", taskPage)
		}
		m := csrfInput.FindStringSubmatch(page)
		if code != http.StatusOK || m == nil {
			continue
		}
		code, loc, body := u.do("POST", taskPage+"/sign-off",
			url.Values{"csrf": {m[1]}, "decision": {"approve"}, "request_id": {requestID}})
		switch {
		case code == http.StatusUnauthorized || loc == "/login":
			u.t.Fatalf("signed out: the sign-off of %s was refused (%d %s)", taskPage, code, body)
		case code == http.StatusSeeOther && strings.HasSuffix(loc, "?msg=submitted"):
			return
		case code == http.StatusSeeOther || code < 500:
			u.t.Fatalf("sign-off of %s in the console: %d to %q %s", taskPage, code, loc, tail(body, 300))
		}
	}
}
