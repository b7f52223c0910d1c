package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lianxi/testkit"
)

// `lianxi dev` stopped while ministries file reports: it exits 0, logs no
// error (no store read after it closed), and leaves no goroutine of
// lianxi's own running in the process.
func TestDevStopsCleanlyUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a whole dev stack")
	}
	before := ourGoroutines()
	dir, addr := t.TempDir(), freeAddress(t)
	dev := startDev(t, dir, addr)
	base := "http://" + dev.http
	var tokens struct {
		Office     string            `json:"office"`
		Ministries map[string]string `json:"ministries"`
	}
	var tasks []struct {
		No           string   `json:"no"`
		Participants []string `json:"participants"`
	}
	testkit.EventuallyWithin(t, devBound, "25 tasks listed", func() (bool, string) {
		b, err := os.ReadFile(filepath.Join(dir, "tokens.json"))
		if err != nil || json.Unmarshal(b, &tokens) != nil {
			return false, fmt.Sprint(err)
		}
		req, _ := http.NewRequest("GET", base+"/api/tasks?plan=internet-plus-2015", nil)
		req.Header.Set("Authorization", "Bearer "+tokens.Office)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		err = json.NewDecoder(resp.Body).Decode(&tasks)
		return err == nil && len(tasks) == 25, fmt.Sprintf("%d tasks, %v", len(tasks), err)
	})

	var accepted atomic.Int64
	stop := make(chan struct{})
	var load sync.WaitGroup
	hc := &http.Client{Timeout: 30 * time.Second}
	for i := range 8 {
		load.Add(1)
		go func() {
			defer load.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				task := tasks[(i+n)%len(tasks)]
				m := task.Participants[0]
				body, _ := json.Marshal(map[string]string{"text": fmt.Sprintf("第%d次进展（%d）", n, i)})
				req, _ := http.NewRequest("POST", base+"/api/plans/internet-plus-2015/tasks/"+task.No+"/progress", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tokens.Ministries[m])
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				if err != nil {
					time.Sleep(50 * time.Millisecond) // dev is going away
					continue
				}
				if resp.StatusCode == http.StatusOK {
					accepted.Add(1)
				}
				resp.Body.Close()
			}
		}()
	}
	testkit.EventuallyWithin(t, time.Minute, "reports accepted under load", func() (bool, string) {
		return accepted.Load() >= 20, fmt.Sprint(accepted.Load(), " accepted")
	})
	r := dev.stop(t) // fails the test unless dev exits 0 within a minute
	close(stop)
	load.Wait()
	for _, bad := range []string{"closed", "panic", "ERROR", `"level":"error"`} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("dev's log after a stop under load has %q:\n%s", bad, tail(r.stderr))
		}
	}
	// Goroutines of lianxi's own code end with the command; the embedded
	// server's and the HTTP client's may take a moment longer.
	testkit.EventuallyWithin(t, 30*time.Second, "no lianxi goroutine left", func() (bool, string) {
		left := ourGoroutines() - before
		if left <= 0 {
			return true, ""
		}
		return false, fmt.Sprintf("%d goroutines of lianxi still running:\n%s", left, ourStacks())
	})
	t.Logf("%d reports accepted before the stop", accepted.Load())
}

// ourStacks are the stacks of running goroutines that run lianxi's own
// (non-test) code. Workflow coroutines are left out: the SDK keeps
// workflows it has run in a process-wide cache, past the worker's stop.
func ourStacks() string {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "lianxi/") && !strings.Contains(g, "_test.go") && !strings.Contains(g, "lianxi/testkit") &&
			!strings.Contains(g, "(*dispatcherImpl).NewCoroutine") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}

func ourGoroutines() int {
	s := ourStacks()
	if s == "" {
		return 0
	}
	return strings.Count(s, "goroutine ")
}
