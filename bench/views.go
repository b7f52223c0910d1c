package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"

	"lianxi/board"
	"lianxi/console"
	"lianxi/console/api"
	"lianxi/console/identity"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/notify"
	"lianxi/plan"
	"lianxi/starter"
	"lianxi/taskclient"
)

// Views is what a user waits for: the office's dashboard and a ministry's
// inbox, rendered by the real console, with a plan of Tasks open tasks.
type Views struct {
	Tasks int `json:"tasks"`
	// Requests is how many times each page was fetched.
	Requests int     `json:"requests"`
	Office   Latency `json:"office_dashboard"`
	// OfficeLast is the dashboard's last page: the deepest a page reads.
	OfficeLast Latency `json:"office_last_page"`
	Inbox      Latency `json:"ministry_inbox"`
	// OfficeKiB and InboxKiB are the pages' sizes (their first page).
	OfficeKiB float64 `json:"office_kib"`
	InboxKiB  float64 `json:"inbox_kib"`
}

// measureViews launches a plan of o.Tasks open tasks and times GET /office
// (as the office) and GET /inbox (as a ministry pending on every task).
func measureViews(ctx context.Context, c client.Client, store *ledger.SQLStore, tasks *board.Store, outbox *notify.Outbox, o Options) (Views, error) {
	v := Views{Tasks: o.Tasks, Requests: o.ViewRequests}
	parts := ministries(o.Ministries)
	dir := filepath.Join(o.DataDir, "views")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return v, err
	}
	tokPath, prPath := filepath.Join(dir, "tokens.json"), filepath.Join(dir, "principals.json")
	if _, err := identity.EnsureTokens(tokPath, prPath, parts, nil); err != nil {
		return v, err
	}
	principals, err := identity.LoadPrincipals(prPath)
	if err != nil {
		return v, err
	}
	var tok identity.Tokens
	b, err := os.ReadFile(tokPath)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(b, &tok); err != nil {
		return v, err
	}
	reg, err := plan.DefaultRegistry()
	if err != nil {
		return v, err
	}
	handler, err := console.New(ctx, console.Deps{Deps: api.Deps{Tasks: &taskclient.Client{C: c, Namespace: "default"},
		Ledger: store, Board: tasks, Outbox: outbox, Principals: principals, Registry: reg}})
	if err != nil {
		return v, err
	}
	srv := httptest.NewServer(handler)
	defer srv.Close()

	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	specs := make([]domain.TaskSpec, o.Tasks)
	for i := range specs {
		specs[i] = domain.TaskSpec{PlanID: "view-" + run, TaskNo: fmt.Sprintf("%d.%d", i/50+1, i%50+1), Title: "看板任务 " + strconv.Itoa(i+1),
			Lead: parts[0], Participants: parts}
	}
	if _, err := starter.Launch(ctx, c, specs, starter.Options{Concurrency: o.Concurrency, Board: tasks, Titles: store}); err != nil {
		return v, err
	}
	office, err := login(srv.URL, tok.Office)
	if err != nil {
		return v, err
	}
	ministry, err := login(srv.URL, tok.Ministries[parts[len(parts)-1]])
	if err != nil {
		return v, err
	}
	// Wait until every task's assignment is on the board (the pages show
	// 50 tasks at a time, so the board is asked), then time.
	plan, pending := "view-"+run, parts[len(parts)-1]
	deadline := time.Now().Add(5 * time.Minute)
	for {
		p, err := tasks.Page(ctx, board.Query{Plan: plan, Pending: pending})
		if err == nil && p.Total == o.Tasks {
			break
		}
		if time.Now().After(deadline) {
			return v, fmt.Errorf("views: the board did not list all %d tasks pending for %s within 5 minutes (%d listed, %v)", o.Tasks, pending, p.Total, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	timeIt := func(hc *http.Client, path string) (Latency, int, error) {
		ds := make([]time.Duration, 0, o.ViewRequests)
		size := 0
		for i := 0; i < o.ViewRequests; i++ {
			t0 := time.Now()
			page, code, err := get(hc, srv.URL+path)
			if err != nil || code != http.StatusOK {
				return Latency{}, 0, fmt.Errorf("views: GET %s: %d %v", path, code, err)
			}
			ds = append(ds, time.Since(t0))
			size = len(page)
		}
		return latency(ds), size, nil
	}
	var size int
	if v.Office, size, err = timeIt(office, "/office?plan="+url.QueryEscape(plan)); err != nil {
		return v, err
	}
	v.OfficeKiB = float64(size) / 1024
	last := (o.Tasks + 49) / 50
	if v.OfficeLast, _, err = timeIt(office, "/office?plan="+url.QueryEscape(plan)+"&page="+strconv.Itoa(last)); err != nil {
		return v, err
	}
	if v.Inbox, size, err = timeIt(ministry, "/inbox"); err != nil {
		return v, err
	}
	v.InboxKiB = float64(size) / 1024
	return v, nil
}

func login(base, token string) (*http.Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Jar: jar, Timeout: time.Minute}
	// The sign-in form sets its CSRF token as a cookie and expects it back
	// in the form, as a browser would post it.
	form, err := hc.Get(base + "/login")
	if err != nil {
		return nil, err
	}
	form.Body.Close()
	csrf := ""
	if u, err := url.Parse(base + "/login"); err == nil {
		for _, c := range jar.Cookies(u) {
			if c.Name == "lianxi_login" {
				csrf = c.Value
			}
		}
	}
	resp, err := hc.PostForm(base+"/login", url.Values{"token": {token}, "csrf": {csrf}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("views: sign-in answered %d", resp.StatusCode)
	}
	return hc, nil
}

func get(hc *http.Client, u string) (string, int, error) {
	resp, err := hc.Get(u)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode, err
}
