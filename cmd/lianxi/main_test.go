package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lianxi/devserver"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/testkit"
)

// freeAddress finds a frontend port whose neighbours (the ports the
// embedded server's other services use) are free too.
func freeAddress(t *testing.T) string {
	t.Helper()
	addr, err := devserver.FreeAddress()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func freeHTTPAddress(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type result struct {
	code           int
	stdout, stderr string
}

// lianxi runs the command line in-process.
func lianxi(ctx context.Context, args ...string) result {
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb, func(string) string { return "" })
	return result{code, out.String(), errb.String()}
}

// devProcess runs `lianxi dev` until stopped.
type devProcess struct {
	cancel  context.CancelFunc
	done    chan result
	http    string
	metrics string
	ui      string
}

func startDev(t *testing.T, dir, addr string) *devProcess {
	ctx, cancel := context.WithCancel(context.Background())
	d := &devProcess{cancel: cancel, done: make(chan result, 1), http: freeHTTPAddress(t), metrics: freeHTTPAddress(t), ui: freeHTTPAddress(t)}
	go func() {
		d.done <- lianxi(ctx, "dev", "--data", dir, "--temporal-address", addr, "--http-addr", d.http,
			"--metrics-addr", d.metrics, "--ui-addr", d.ui, "--log-level", "error")
	}()
	return d
}

func (d *devProcess) stop(t *testing.T) result {
	t.Helper()
	d.cancel()
	select {
	case r := <-d.done:
		if r.code != 0 {
			t.Fatalf("dev exited %d: %s", r.code, r.stderr)
		}
		return r
	case <-time.After(60 * time.Second):
		t.Fatal("dev did not stop")
	}
	return result{}
}

// devBound is how long a test waits for `lianxi dev` to serve: it starts a
// whole Temporal server and launches the bundled plan first.
const devBound = 90 * time.Second

// The README's main job: `lianxi dev` brings up the bundled plan, the CLI
// drives a task to closure, and a restart on the same data folder keeps
// every task where it was; audit verify checks the ledger it wrote.
func TestDevRestartKeepsState(t *testing.T) {
	dir, addr := t.TempDir(), freeAddress(t)
	ctx := context.Background()
	dev := startDev(t, dir, addr)
	// The task verbs talk to dev's API, with tokens from its data folder.
	api := []string{"--server", "http://" + dev.http, "--data", dir}
	var list []map[string]any
	testkit.EventuallyWithin(t, devBound, "25 tasks listed", func() (bool, string) {
		r := lianxi(ctx, append([]string{"task", "list", "--plan", "internet-plus-2015", "--json"}, api...)...)
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &list) == nil && len(list) == 25,
			fmt.Sprintf("exit %d, %d tasks, %s", r.code, len(list), tail(r.stderr))
	})

	// --limit and --offset list one page of the same list.
	r := lianxi(ctx, append([]string{"task", "list", "--plan", "internet-plus-2015", "--limit", "10", "--offset", "20", "--json"}, api...)...)
	var page []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &page); err != nil || len(page) != 5 || page[0]["id"] != list[20]["id"] || page[4]["id"] != list[24]["id"] {
		t.Errorf("task list --limit 10 --offset 20: exit %d, %d tasks (%v), want the whole list's last 5", r.code, len(page), err)
	}
	if r := lianxi(ctx, append([]string{"task", "list", "--limit", "-1"}, api...)...); r.code == 0 || !strings.Contains(r.stderr, "limit") {
		t.Errorf("task list --limit -1: exit %d %q, want an error naming limit", r.code, r.stderr)
	}

	// The console answers with the office's token from tokens.json.
	var tokens struct {
		Office     string            `json:"office"`
		Ministries map[string]string `json:"ministries"`
		Names      map[string]string `json:"names"`
	}
	testkit.EventuallyWithin(t, devBound, "tokens.json", func() (bool, string) {
		b, err := os.ReadFile(filepath.Join(dir, "tokens.json"))
		if err == nil {
			err = json.Unmarshal(b, &tokens)
		}
		return err == nil && tokens.Office != "" && tokens.Ministries["ndrc"] != "", fmt.Sprint(err)
	})
	if tokens.Names["ndrc"] != "发展改革委" || len(tokens.Names) != len(tokens.Ministries) {
		t.Errorf("tokens.json names %d of %d ministries in Chinese (ndrc: %q)", len(tokens.Names), len(tokens.Ministries), tokens.Names["ndrc"])
	}
	testkit.EventuallyWithin(t, devBound, "the API lists 25 tasks", func() (bool, string) {
		req, _ := http.NewRequest("GET", "http://"+dev.http+"/api/tasks?plan=internet-plus-2015", nil)
		req.Header.Set("Authorization", "Bearer "+tokens.Office)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		var l []map[string]any
		err = json.NewDecoder(resp.Body).Decode(&l)
		return resp.StatusCode == 200 && err == nil && len(l) == 25, fmt.Sprintf("%d, %d tasks %v", resp.StatusCode, len(l), err)
	})
	// Each task records its assignment when its first workflow task runs.
	testkit.Eventually(t, "25 assignments on the ledger", func() (bool, string) {
		r := lianxi(ctx, "audit", "verify", "--data", dir)
		return strings.HasPrefix(r.stdout, "OK: 25 records"), r.stdout + tail(r.stderr)
	})
	id := "internet-plus-2015/2.3"
	r = lianxi(ctx, append([]string{"task", "sign", "internet-plus-2015/1.1", "--as", "mofcom", "--decision", "approve"}, api...)...)
	if r.code != 1 || !strings.Contains(r.stderr, `"mofcom" is not a participant`) {
		t.Errorf("sign by a stranger: exit %d, %q", r.code, r.stderr)
	}
	// The acting ministry is the token's: there is no flag to name another.
	if r := lianxi(ctx, append([]string{"task", "sign", id, "--ministry", "sipo", "--decision", "approve"}, api...)...); r.code == 0 {
		t.Errorf("--ministry is not an identity: exit %d %s", r.code, r.stdout)
	}
	// --attach uploads the file for the task first; a refused file stops
	// the verb before anything is sent.
	attachDir := t.TempDir()
	good, bad := filepath.Join(attachDir, "联合报告附件.txt"), filepath.Join(attachDir, "tool.exe")
	os.WriteFile(good, []byte("联合报告的附件\n"), 0o600)
	os.WriteFile(bad, []byte("MZ\x90\x00binary"), 0o600)
	r = lianxi(ctx, append([]string{"task", "report", id, "--as", "sipo", "--text", "进展", "--attach", bad}, api...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "附件类型不受支持") || !strings.Contains(r.stderr, "attachment type not accepted") {
		t.Errorf("attach a program: exit %d %q", r.code, r.stderr)
	}
	for _, args := range [][]string{
		{"task", "sign", id, "--as", "sipo", "--decision", "approve", "--report", "联合报告", "--request-id", "r1", "--attach", good},
		{"task", "review", id, "--decision", "approve", "--comment", "同意"},
		{"task", "sign", "internet-plus-2015/1.2", "--as", "miit", "--decision", "approve"},
		{"task", "urge", "internet-plus-2015/1.3", "--comment", "请尽快会签"},
	} {
		if r := lianxi(ctx, append(args, api...)...); r.code != 0 {
			t.Fatalf("%v: exit %d %s", args, r.code, r.stderr)
		}
	}
	sum := sha256.Sum256([]byte("联合报告的附件\n"))
	req, _ := http.NewRequest("GET", "http://"+dev.http+"/api/plans/internet-plus-2015/tasks/2.3/records", nil)
	req.Header.Set("Authorization", "Bearer "+tokens.Office)
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Error(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), hex.EncodeToString(sum[:])) || !strings.Contains(string(b), "联合报告附件.txt") {
			t.Errorf("the joint report's attachment is not on the ledger: %s", b)
		}
	}
	// A closed task answers with its state, not "not found".
	r = lianxi(ctx, append([]string{"task", "sign", id, "--as", "sipo", "--decision", "approve", "--report", "x"}, api...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "is closed (办结) since") {
		t.Errorf("action on a closed task: exit %d %q", r.code, r.stderr)
	}
	// Prometheus metrics: the SDK's own and the project's.
	resp, err := http.Get("http://" + dev.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`lianxi_decisions_recorded_total{kind="closure"} 1`, "temporal_request", "lianxi_notifications_total"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if resp, err := http.Get("http://" + dev.metrics + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("healthz: %v %v", resp, err)
	}
	// The Temporal Web UI answers beside it, and the banner says where.
	if resp, err := http.Get("http://" + dev.ui + "/"); err != nil || resp.StatusCode != 200 {
		t.Errorf("Temporal Web UI: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if out := dev.stop(t).stdout; !strings.Contains(out, "Temporal Web UI: http://"+dev.ui) {
		t.Errorf("the banner does not say where the Web UI is:\n%s", out)
	}

	// Restart on other ports: the first start's services are not waited for.
	addr = freeAddress(t)
	at := []string{"--temporal-address", addr, "--data", dir}
	restarted := time.Now()
	dev = startDev(t, dir, addr)
	defer dev.stop(t)
	api = []string{"--server", "http://" + dev.http, "--data", dir}
	var shown struct {
		Status       string `json:"status"`
		Participants []struct {
			ID     string         `json:"id"`
			NameZh string         `json:"name_zh"`
			Role   string         `json:"role"`
			Answer map[string]any `json:"answer"`
		} `json:"participants"`
	}
	testkit.EventuallyWithin(t, devBound, "task 2.3 after restart", func() (bool, string) {
		r := lianxi(ctx, append([]string{"task", "show", id, "--json"}, api...)...)
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &shown) == nil, fmt.Sprintf("exit %d %s", r.code, tail(r.stderr))
	})
	if d := time.Since(restarted); d > 40*time.Second {
		t.Errorf("after a restart on other ports the first query was answered after %v", d)
	}
	if shown.Status != "closed" || shown.Participants[0].NameZh != "知识产权局" || shown.Participants[0].Answer == nil {
		t.Errorf("after restart task 2.3 is %+v, want closed with sipo's answer", shown)
	}
	r = lianxi(ctx, append([]string{"task", "show", "internet-plus-2015/1.2", "--json"}, api...)...)
	if !strings.Contains(r.stdout, `"decision": "approve"`) {
		t.Errorf("task 1.2 lost miit's answer over the restart: %s", r.stdout)
	}
	r = lianxi(ctx, append([]string{"task", "list", "--plan", "internet-plus-2015", "--status", "closed", "--json"}, api...)...)
	if !strings.Contains(r.stdout, id) {
		t.Errorf("closed list: %s", r.stdout)
	}

	// 25 assigned + 4 decisions, one valid chain; every task's
	// history matches the ledger.
	r = lianxi(ctx, append([]string{"audit", "verify", "--history"}, at...)...)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "OK: 29 records") || !strings.Contains(r.stdout, "25 tasks checked against their histories (0 no longer kept by Temporal), 0 mismatches") {
		t.Errorf("audit verify: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	// dev keeps the ledger's key in its data folder: a checkpoint signed
	// now holds for the ledger as it is.
	if r := lianxi(ctx, append([]string{"audit", "checkpoint"}, at...)...); r.code != 0 || !strings.Contains(r.stdout, "\n29\n") {
		t.Errorf("audit checkpoint: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := lianxi(ctx, append([]string{"audit", "verify"}, at...)...); r.code != 0 || !strings.Contains(r.stdout, "match the ledger (newest: 29 records)") {
		t.Errorf("audit verify after a checkpoint: exit %d %q %q", r.code, r.stdout, r.stderr)
	}

	// Auditors export every run, replay the files, and read the timeline.
	out := filepath.Join(t.TempDir(), "histories")
	r = lianxi(ctx, append([]string{"audit", "export", "--plan", "internet-plus-2015", "--out", out}, at...)...)
	files, _ := filepath.Glob(filepath.Join(out, "*.json"))
	if r.code != 0 || len(files) != 25 {
		t.Fatalf("audit export: exit %d, %d files: %s", r.code, len(files), r.stderr)
	}
	r = lianxi(ctx, append([]string{"audit", "replay"}, files...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "25 runs replayed, 0 failed") {
		t.Errorf("audit replay: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = lianxi(ctx, append([]string{"audit", "timeline", id}, at...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "sign-off") || !strings.Contains(r.stdout, "review") || !strings.Contains(r.stdout, "同意") {
		t.Errorf("audit timeline: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
}

// tail is the end of a command's output, enough to say why it failed.
func tail(s string) string {
	if len(s) > 300 {
		return "…" + s[len(s)-300:]
	}
	return s
}

func TestAuditVerifyReportsTampering(t *testing.T) {
	dir := t.TempDir()
	// A ledger with a few records, written by the real store.
	r := lianxi(context.Background(), "audit", "verify", "--data", dir)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "OK: 0 records") {
		t.Fatalf("empty ledger: %+v", r)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seed(t, dir)
	for _, q := range []string{`DROP TRIGGER decisions_no_update`, `UPDATE decisions SET ministry = 'mof' WHERE seq = 2`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	r = lianxi(context.Background(), "audit", "verify", "--data", dir)
	if r.code != 1 || !strings.Contains(r.stdout, "BROKEN at record 2") {
		t.Errorf("tampered ledger: exit %d %q", r.code, r.stdout)
	}
}

// seed appends three decisions through the real ledger.
func seed(t *testing.T, dir string) {
	t.Helper()
	store, err := ledger.OpenSQLite(context.Background(), filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for i := 1; i <= 3; i++ {
		if _, err := store.Append(context.Background(), ledger.Entry{
			DecisionID: fmt.Sprint("d", i), WorkflowID: "p/1.1", RunID: "r", PlanID: "p", TaskNo: "1.1",
			Round: 1, Kind: domain.KindSignOff, Ministry: "ndrc", At: time.Now(),
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// Without a dev server: tokens init writes the files serve and the workers
// need; commands say plainly what is missing; help shows real defaults.
func TestTokensInitAndPlainErrors(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "config")
	r := lianxi(ctx, "tokens", "init", "--data", dir)
	if r.code != 0 {
		t.Fatalf("tokens init: %d %s", r.code, r.stderr)
	}
	key1, _ := os.ReadFile(filepath.Join(dir, "door.key"))
	for _, f := range []string{"tokens.json", "principals.json", "door.key"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want an owner-only file", f, fi, err)
		}
	}
	if r := lianxi(ctx, "tokens", "init", "--data", dir); r.code != 0 {
		t.Fatalf("second tokens init: %d %s", r.code, r.stderr)
	}
	if key2, _ := os.ReadFile(filepath.Join(dir, "door.key")); string(key1) != string(key2) || len(key1) == 0 {
		t.Error("a second tokens init replaced the door key")
	}
	missing := filepath.Join(t.TempDir(), "nowhere")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"audit", "verify", "--data", missing}, "data folder " + missing + " does not exist"},
		{[]string{"task", "list", "--data", missing}, "tokens.json does not exist"},
		{[]string{"task", "sign", "p/1.1", "--as", "nosuch", "--data", dir, "--decision", "approve"}, `has no token for "nosuch"`},
		{[]string{"worker", "--data", missing, "--temporal-address", "127.0.0.1:1"}, "door key"},
		{[]string{"serve", "--data", dir, "--attachments", "ftp://files/x"}, `attachments "ftp://files/x": want file:///PATH or s3://BUCKET`},
	} {
		if r := lianxi(ctx, c.args...); r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d %q, want it to say %q", c.args, r.code, r.stderr, c.want)
		}
	}
	if r := lianxi(ctx, "dev", "--help"); !strings.Contains(r.stdout, "(default 30d)") || strings.Contains(r.stdout, "(default 0s)") {
		t.Errorf("help should show the real defaults:\n%s", r.stdout)
	}
}

// The token verbs, as an operator runs them beside a serve process.
func TestTokensIssueRevokeRotate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	r := lianxi(ctx, "tokens", "issue", "--role", "ministry", "--ministry", "miit", "--expires", "90d", "--data", dir)
	token := strings.TrimSpace(r.stdout)
	if r.code != 0 || len(token) < 40 || !strings.Contains(r.stderr, "expires") {
		t.Fatalf("issue: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "principals.json")); strings.Contains(string(b), token) {
		t.Fatal("the principals file holds the plain token")
	}
	if r := lianxi(ctx, "tokens", "issue", "--role", "ministry", "--ministry", "nosuch", "--data", dir); r.code == 0 || !strings.Contains(r.stderr, "not in the registry") {
		t.Errorf("unknown ministry: %d %q", r.code, r.stderr)
	}
	if r := lianxi(ctx, "tokens", "rotate", "miit", "--grace", "24h", "--data", dir); r.code != 0 || strings.TrimSpace(r.stdout) == token {
		t.Errorf("rotate: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := lianxi(ctx, "tokens", "revoke", "miit", "--data", dir); r.code != 0 || strings.Count(r.stdout, "revoked") != 2 {
		t.Errorf("revoke: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = lianxi(ctx, "tokens", "list", "--data", dir)
	if r.code != 0 || strings.Count(r.stdout, "revoked") != 2 || !strings.Contains(r.stdout, "ministry miit") {
		t.Errorf("list: %d\n%s", r.code, r.stdout)
	}
}
