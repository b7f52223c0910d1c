package e2e

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"lianxi/actions"
	"lianxi/console/identity"
	"lianxi/devserver"
	"lianxi/plan"
	"lianxi/testkit"
)

// proc is one lianxi OS process.
type proc struct {
	t    *testing.T
	name string
	bin  string
	args []string
	log  *os.File
	mu   sync.Mutex
	cmd  *exec.Cmd
}

func (p *proc) start() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	cmd := exec.Command(p.bin, p.args...)
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	p.cmd = cmd
}

// kill9 kills the process without warning and reaps it.
func (p *proc) kill9() {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

func (p *proc) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
}

// postgres is a PostgreSQL server of the test's own, so restarting it
// does not disturb other packages' tests.
type postgres struct {
	dsn     string
	restart func() error
}

func startPostgres(t *testing.T, bin string) *postgres {
	t.Helper()
	dir, err := os.MkdirTemp("", "lianxi-crash-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var as []string
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		if err := os.Chown(dir, uid, -1); err != nil {
			t.Fatal(err)
		}
		as = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(args ...string) error {
		all := append(append([]string{}, as...), args...)
		out, err := exec.Command(all[0], all[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %v\n%s", args, err, out)
		}
		return nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	data := filepath.Join(dir, "data")
	if err := run(filepath.Join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres"); err != nil {
		t.Fatal(err)
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", port, dir)
	ctl := func(action string) error {
		return run(filepath.Join(bin, "pg_ctl"), "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-m", "fast", "-o", opts, action)
	}
	if err := ctl("start"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ctl("stop") })
	return &postgres{dsn: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), restart: func() error { return ctl("restart") }}
}

func buildLianxi(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lianxi")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/lianxi").CombinedOutput()
	if err != nil {
		t.Fatalf("build lianxi: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func temporalAddress(t *testing.T) string {
	t.Helper()
	addr, err := devserver.FreeAddress()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// crashPlan is a structured plan of 25 tasks of three ministries each.
func crashPlan() []byte {
	ms := []string{"ndrc", "miit", "mof", "most", "cac", "mofcom", "moe", "mps", "pbc", "sasac"}
	p := plan.Plan{PlanID: "crash", Title: "崩溃测试", Sections: []plan.Section{{No: 1, Title: "测试"}}}
	for i := 0; i < 25; i++ {
		ids := []string{ms[i%10], ms[(i+3)%10], ms[(i+7)%10]}
		lead := ids[0]
		t := plan.Task{No: fmt.Sprintf("1.%d", i+1), Section: 1, Title: fmt.Sprintf("任务%d", i+1), Lead: &lead, Line: i + 1}
		for j, id := range ids {
			role := plan.RoleCo
			if j == 0 {
				role = plan.RoleLead
			}
			t.Participants = append(t.Participants, plan.Participant{ID: id, NameZh: id, Role: role})
		}
		p.Tasks = append(p.Tasks, t)
	}
	b, _ := json.Marshal(p)
	return b
}

// Real OS processes — a Temporal server on PostgreSQL, two workers, the
// console, the ledger on PostgreSQL — while the bundled plan is driven
// through the API: workers are killed with SIGKILL again and again, the
// server once, PostgreSQL restarted once. Every task closes, every decision
// is on the ledger once, the chain verifies and the histories replay.
func TestCrashRecovery(t *testing.T) { crashRecovery(t, onPostgres) }

// The same on the server's SQLite file, which a SIGKILL interrupts
// mid-write: the single-machine shape.
func TestCrashRecoverySQLite(t *testing.T) { crashRecovery(t, onSQLite) }

func crashRecovery(t *testing.T, store crashStore) {
	pgBin := os.Getenv("LIANXI_TEST_PG_BIN")
	if pgBin == "" {
		if os.Getenv("LIANXI_REQUIRE_PG") != "" {
			t.Fatal("LIANXI_TEST_PG_BIN is empty: the test command should have set it")
		}
		t.Skip("PostgreSQL binaries not known (./scripts/test.sh sets LIANXI_TEST_PG_BIN)")
	}
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	bin := buildLianxi(t)
	pg := startPostgres(t, pgBin)
	dir := t.TempDir()
	temporal, httpAddr := temporalAddress(t), freePort(t)
	logs := func(name string) *os.File {
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
		return f
	}
	common := []string{"--temporal-address", temporal, "--log-level", "warn", "--log-format", "json"}
	newProc := func(name string, args ...string) *proc {
		return &proc{t: t, name: name, bin: bin, args: append(args, common...), log: logs(name)}
	}
	server := newProc("server", append([]string{"server", "--data", filepath.Join(dir, "temporal")}, store.serverArgs(pg)...)...)
	// The server logs to its own file; on failure show it beside the others.
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "temporal", "temporal-server.log"))
			t.Logf("--- temporal-server.log (tail) ---\n%s", tail(string(b), 3000))
		}
	})
	server.start()
	defer server.stop()

	// Tokens, principals and the door key (serve signs principals with it,
	// the workers check them) as an operator makes them.
	if out, err := exec.Command(bin, "tokens", "init", "--data", dir).CombinedOutput(); err != nil {
		t.Fatalf("lianxi tokens init: %v\n%s", err, out)
	}
	tokPath, prPath, keyPath := filepath.Join(dir, "tokens.json"), filepath.Join(dir, "principals.json"), filepath.Join(dir, "door.key")
	var tokens identity.Tokens
	b, err := os.ReadFile(tokPath)
	if err == nil {
		err = json.Unmarshal(b, &tokens)
	}
	if err != nil {
		t.Fatalf("read tokens: %v", err)
	}

	workers := []*proc{
		newProc("worker-1", "worker", "--data", dir, "--ledger-dsn", pg.dsn, "--door-key", keyPath),
		newProc("worker-2", "worker", "--data", dir, "--ledger-dsn", pg.dsn, "--door-key", keyPath),
	}
	// --data keeps what serve writes beside its data (attachments, the
	// sweep's marker) in the test's folder, not the source tree.
	serve := newProc("serve", "serve", "--data", dir, "--ledger-dsn", pg.dsn, "--principals", prPath, "--http-addr", httpAddr, "--door-key", keyPath)
	for _, p := range append(workers, serve) {
		p.start()
		defer p.stop()
	}

	base := "http://" + httpAddr
	hc := &http.Client{Timeout: 20 * time.Second}
	// call retries until the API answers 200: across kills the same
	// request ID is sent again and answered once.
	call := func(token, method, path string, body []byte) []byte {
		deadline := time.Now().Add(4 * time.Minute)
		for {
			req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := hc.Do(req)
			if err == nil {
				out, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return out
				}
				if resp.StatusCode == 400 || resp.StatusCode == 401 || resp.StatusCode == 403 {
					t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, out)
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s %s: no success within the deadline (last error %v)", method, path, err)
			}
			time.Sleep(300 * time.Millisecond)
		}
	}
	p := store.plan(t)
	body, _ := json.Marshal(p)
	// The server may still be registering the namespace's search
	// attributes: a launch that started some tasks and failed on others is
	// sent again, and counts the first ones as already running.
	res := call(tokens.Office, "POST", "/api/plans?plan_id="+p.PlanID, body)
	var launched struct {
		Started, AlreadyRunning, Failed int
	}
	if err := json.Unmarshal(res, &struct {
		Started        *int `json:"started"`
		AlreadyRunning *int `json:"already_running"`
		Failed         *int `json:"failed"`
	}{&launched.Started, &launched.AlreadyRunning, &launched.Failed}); err != nil ||
		launched.Started+launched.AlreadyRunning != len(p.Tasks) || launched.Failed != 0 {
		t.Fatalf("launch: %s (%v)", res, err)
	}

	// The chaos: kill workers at random, the server once, PostgreSQL once.
	var workerKills, serverKills, pgRestarts atomic.Int64
	stopChaos := make(chan struct{})
	chaosDone := make(chan struct{})
	go func() {
		defer close(chaosDone)
		for round := 0; ; round++ {
			select {
			case <-stopChaos:
				return
			case <-time.After(time.Duration(400+rand.IntN(800)) * time.Millisecond):
			}
			w := workers[rand.IntN(len(workers))]
			w.kill9()
			workerKills.Add(1)
			time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
			w.start()
			switch round {
			case 4:
				server.kill9()
				serverKills.Add(1)
				time.Sleep(500 * time.Millisecond)
				server.start()
			case 9:
				if err := pg.restart(); err != nil {
					t.Errorf("restart PostgreSQL: %v", err)
				}
				pgRestarts.Add(1)
			}
		}
	}()

	type sent struct{ task, request string }
	var mu sync.Mutex
	var decisions []sent
	sem := make(chan struct{}, 3)
	var wg sync.WaitGroup
	for _, task := range p.Tasks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			path := "/api/plans/" + p.PlanID + "/tasks/" + task.No
			// who is the token's principal: the API scopes request IDs to it
			// and to the action (actions.UpdateID).
			act := func(who, token, what, req, body string) {
				call(token, "POST", path+"/"+what, []byte(body))
				mu.Lock()
				decisions = append(decisions, sent{task.No, actions.UpdateID(who, what, req)})
				mu.Unlock()
			}
			for _, pt := range task.Participants[1:] {
				req := "co-" + pt.ID
				act(pt.ID, tokens.Ministries[pt.ID], "sign-off", req, fmt.Sprintf(`{"decision":"approve","request_id":%q}`, req))
			}
			lead := task.Participants[0].ID
			act(lead, tokens.Ministries[lead], "sign-off", "lead", `{"decision":"approve","report":"联合报告","request_id":"lead"}`)
			act("office", tokens.Office, "review", "review", `{"decision":"approve","request_id":"review"}`)
		}()
	}
	wg.Wait()
	testkit.EventuallyWithin(t, 2*time.Minute, "10 worker kills and a PostgreSQL restart", func() (bool, string) {
		k, r := workerKills.Load(), pgRestarts.Load()
		return k >= 10 && r >= 1, fmt.Sprintf("%d kills, %d restarts", k, r)
	})
	close(stopChaos)
	<-chaosDone

	// Every task closed.
	for _, task := range p.Tasks {
		testkit.Eventually(t, "task "+task.No+" closed", func() (bool, string) {
			var st struct{ Status string }
			body := call(tokens.Office, "GET", "/api/plans/"+p.PlanID+"/tasks/"+task.No, nil)
			err := json.Unmarshal(body, &st)
			return err == nil && st.Status == "closed", fmt.Sprintf("status %q %v", st.Status, err)
		})
	}
	// Every decision made through the API is on the ledger exactly once.
	db, err := sql.Open("pgx", pg.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, d := range decisions {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM decisions WHERE decision_id = $1`, p.PlanID+"/"+d.task+"/"+d.request).Scan(&n); err != nil || n != 1 {
			t.Errorf("decision %s/%s is on the ledger %d times (%v)", d.task, d.request, n, err)
		}
	}
	var total int
	if err := db.QueryRow(`SELECT COUNT(*) FROM decisions WHERE plan_id = $1 AND kind <> 'assigned'`, p.PlanID).Scan(&total); err != nil {
		t.Fatalf("count the plan's decisions: %v", err)
	}
	if total != len(decisions) {
		t.Errorf("ledger holds %d decisions of the plan, the API made %d", total, len(decisions))
	}
	for _, args := range [][]string{
		{"audit", "verify", "--ledger-dsn", pg.dsn},
		append([]string{"audit", "replay", "--plan", p.PlanID}, common...),
	} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Errorf("lianxi %s: %v\n%s", args[1], err, tail(string(out), 2000))
		}
	}
	t.Logf("crash test (%s): %d worker kills, %d server kill, %d PostgreSQL restart, %d decisions through the API, %d on the ledger, 0 lost",
		p.PlanID, workerKills.Load(), serverKills.Load(), pgRestarts.Load(), len(decisions), total)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
