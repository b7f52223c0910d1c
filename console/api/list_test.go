package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lianxi/board"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/taskclient"
)

// listServer serves the API over a real board on SQLite holding n tasks;
// every third is pending for miit, every fifth overdue at now.
func listServer(t *testing.T, n int, now time.Time) (url string, tokens map[string]string) {
	t.Helper()
	ctx := context.Background()
	store, err := ledger.OpenSQLite(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	b, err := board.Open(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]board.Row, n)
	for i := range rows {
		pending := []string{"ndrc"}
		if i%3 == 0 {
			pending = append(pending, "miit")
		}
		due := now.Add(time.Duration(i%40+1) * 24 * time.Hour)
		if i%5 == 0 {
			due = now.Add(-time.Duration(i+1) * time.Hour)
		}
		rows[i] = board.Row{WorkflowID: fmt.Sprintf("plan/%d.%d", i/50+1, i%50+1), PlanID: "plan", TaskNo: fmt.Sprintf("%d.%d", i/50+1, i%50+1),
			Title: "任务", Status: domain.StatusSigning, Round: 1, Lead: "ndrc", Participants: []string{"ndrc", "miit"}, Pending: pending,
			Due: due, WarningWindow: 72 * time.Hour, Decisions: 1, UpdatedAt: now}
	}
	if _, err := b.Seed(ctx, rows); err != nil {
		t.Fatal(err)
	}
	principals, tokens := issueTokens(t, now)
	mux := http.NewServeMux()
	New(Deps{Principals: principals, Board: b, Ledger: store,
		Tasks: &taskclient.Client{Board: b, Ledger: store, Now: func() time.Time { return now }}}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL, tokens
}

// getList GETs a task list and returns its IDs and headers.
func getList(t *testing.T, url, token string) ([]string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	var list []taskclient.Summary
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(list))
	for i, s := range list {
		ids[i] = s.ID
	}
	return ids, resp.Header
}

// Pages of GET /api/tasks, followed by their Link headers, hold the whole
// list in its order; each says the total; a ministry pages only its own.
func TestListTasksPages(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	url, tok := listServer(t, 250, now)
	for _, c := range []struct {
		who, query string
		total      int
	}{{"office", "", 250}, {"miit", "pending=1", 84}} {
		whole, _ := getList(t, url+"/api/tasks?"+c.query, tok[c.who])
		if len(whole) != c.total {
			t.Fatalf("%s: the whole list has %d tasks, want %d", c.who, len(whole), c.total)
		}
		var paged []string
		next, pages := "/api/tasks?limit=40&"+c.query, 0
		for next != "" {
			ids, h := getList(t, url+next, tok[c.who])
			pages++
			if h.Get("X-Total-Count") != strconv.Itoa(c.total) || len(ids) > 40 {
				t.Fatalf("%s page %d: total %q and %d tasks, want %d and at most 40", c.who, pages, h.Get("X-Total-Count"), len(ids), c.total)
			}
			paged = append(paged, ids...)
			next = ""
			if link := h.Get("Link"); link != "" {
				next = strings.TrimPrefix(strings.TrimSuffix(link, `>; rel="next"`), "<")
				if !strings.Contains(next, "limit=40") || (c.query != "" && !strings.Contains(next, c.query)) {
					t.Errorf("%s: the next link %q drops the query", c.who, link)
				}
			}
		}
		if want := (c.total + 39) / 40; pages != want || !slices.Equal(paged, whole) {
			t.Errorf("%s: %d pages of %d tasks differ from the whole list of %d (want %d pages in the same order)", c.who, pages, len(paged), len(whole), want)
		}
	}
	if ids, _ := getList(t, url+"/api/tasks?limit=10&offset=245", tok["office"]); len(ids) != 5 {
		t.Errorf("the last page holds %d tasks, want 5", len(ids))
	}
	for q, field := range map[string]string{"limit=0": "limit", "limit=1001": "limit", "limit=x": "limit", "offset=-1": "offset", "limit=5&offset=y": "offset"} {
		if a := send(t, "GET", url+"/api/tasks?"+q, "Bearer "+tok["office"], nil); a.status != http.StatusBadRequest || a.err.Field != field {
			t.Errorf("%s: %d %+v, want 400 naming %s", q, a.status, a.err, field)
		}
	}
	if a := send(t, "GET", url+"/api/tasks?limit=5&ministry=ndrc", "Bearer "+tok["miit"], nil); a.status != http.StatusForbidden {
		t.Errorf("a ministry paging another's tasks: %d, want 403", a.status)
	}
}
