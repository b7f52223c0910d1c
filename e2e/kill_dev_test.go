package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lianxi/actions"
	"lianxi/console/identity"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/testkit"
)

// The whole single-machine product (`lianxi dev`: Temporal, the worker and
// the API in one process) is killed with SIGKILL in the middle of 200
// concurrent decisions and started again. Decisions recorded on the
// ledger whose workflow tasks never completed are adopted: for every task
// the ledger's records, its status and its board row agree, nothing is
// recorded twice, and every acknowledged decision is there. (The board
// row's agreement is checked where the board is read directly:
// converge_test.go.)
// LIANXI_KILL_RUNS repeats it (default 1).
func TestKillDevMidDecisions(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test skipped in -short mode")
	}
	runs := 1
	if n, err := strconv.Atoi(os.Getenv("LIANXI_KILL_RUNS")); err == nil && n > 0 {
		runs = n
	}
	bin := buildLianxi(t)
	for i := range runs {
		t.Run(fmt.Sprint("run", i+1), func(t *testing.T) { killDevOnce(t, bin) })
	}
}

func killDevOnce(t *testing.T, bin string) {
	dir := t.TempDir()
	log, err := os.Create(filepath.Join(dir, "dev.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	httpAddr := freePort(t)
	dev := &proc{t: t, name: "dev", bin: bin, log: log, args: []string{"dev", "--data", dir, "--temporal-address", temporalAddress(t),
		"--http-addr", httpAddr, "--metrics-addr", freePort(t), "--ui-addr", freePort(t), "--log-level", "error"}}
	dev.start()
	defer dev.stop()
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("--- dev log (tail) ---\n%s", tail(string(b), 3000))
		}
	})
	base := "http://" + httpAddr
	hc := &http.Client{Timeout: 30 * time.Second}
	do := func(token, method, path string, body []byte) (int, []byte) {
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := hc.Do(req)
		if err != nil {
			return 0, []byte(err.Error())
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}
	var tokens identity.Tokens
	type task struct {
		No           string   `json:"no"`
		Participants []string `json:"participants"`
	}
	var tasks []task
	const plan = "internet-plus-2015"
	ready := func(what string) {
		testkit.EventuallyWithin(t, 3*time.Minute, what, func() (bool, string) {
			b, err := os.ReadFile(filepath.Join(dir, "tokens.json"))
			if err == nil {
				err = json.Unmarshal(b, &tokens)
			}
			if err != nil || tokens.Office == "" {
				return false, fmt.Sprint("tokens: ", err)
			}
			code, body := do(tokens.Office, "GET", "/api/tasks?plan="+plan, nil)
			tasks = nil
			err = json.Unmarshal(body, &tasks)
			for _, tk := range tasks {
				if tk.No == "" || len(tk.Participants) == 0 {
					return false, fmt.Sprintf("a task without number or participants: %+v", tk)
				}
			}
			return code == 200 && err == nil && len(tasks) == 25, fmt.Sprintf("%d %d tasks %.200s", code, len(tasks), body)
		})
	}
	ready("lianxi dev serves 25 tasks")

	// 200 progress reports at once, 8 a task, each by the task's lead.
	type sent struct{ task, decision string }
	var mu sync.Mutex
	var acked []sent
	var answered, failed atomic.Int64
	var wg sync.WaitGroup
	for _, tk := range tasks {
		for j := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := fmt.Sprintf("kill-%d", j)
				body := fmt.Sprintf(`{"text":"第%d次进展，%s","request_id":%q}`, j, tk.No, req)
				code, out := do(tokens.Ministries[tk.Participants[0]], "POST", "/api/plans/"+plan+"/tasks/"+tk.No+"/progress", []byte(body))
				var r domain.Receipt
				if code != 200 || json.Unmarshal(out, &r) != nil {
					failed.Add(1)
					return
				}
				answered.Add(1)
				want := domain.WorkflowID(plan, tk.No) + "/" + actions.UpdateID(tk.Participants[0], domain.UpdateReportProgress, req)
				if r.DecisionID != want {
					t.Errorf("report %s answered with the receipt of %s", want, r.DecisionID)
				}
				mu.Lock()
				acked = append(acked, sent{tk.No, want})
				mu.Unlock()
			}()
		}
	}
	time.Sleep(time.Second)
	dev.kill9()
	wg.Wait()
	dev.start()
	ready("lianxi dev serves again after the kill")

	ledgerTotal, ghosts := 0, 0
	for _, tk := range tasks {
		path := "/api/plans/" + plan + "/tasks/" + tk.No
		var st domain.TaskStatus
		code, body := do(tokens.Office, "GET", path, nil)
		if code != 200 || json.Unmarshal(body, &st) != nil {
			t.Fatalf("task %s: %d %.300s", tk.No, code, body)
		}
		var recs []ledger.Record
		code, body = do(tokens.Office, "GET", path+"/records", nil)
		if code != 200 || json.Unmarshal(body, &recs) != nil {
			t.Fatalf("records of %s: %d %.300s", tk.No, code, body)
		}
		seen, progress := map[string]int{}, 0
		for _, r := range recs {
			seen[r.DecisionID]++
			if seen[r.DecisionID] == 2 {
				t.Errorf("task %s: decision %s recorded twice", tk.No, r.DecisionID)
			}
			if r.Kind == domain.KindProgress {
				progress++
			}
			if r.Kind == domain.KindCaughtUp {
				ghosts++
			}
		}
		ledgerTotal += progress
		if st.ProgressCount != progress || st.Decisions != len(recs) {
			t.Errorf("task %s: status counts %d reports and %d records, the ledger holds %d and %d", tk.No, st.ProgressCount, st.Decisions, progress, len(recs))
		}
		for _, a := range acked {
			if a.task == tk.No && seen[a.decision] != 1 {
				t.Errorf("task %s: acknowledged decision %s is on the ledger %d times", tk.No, a.decision, seen[a.decision])
			}
		}
	}
	t.Logf("kill -9 of lianxi dev: %d of 200 reports answered before the kill, %d cut off; after the restart %d progress records on the ledger, all reflected; %d tasks caught up",
		answered.Load(), failed.Load(), ledgerTotal, ghosts)
}
