package console

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lianxi/board"
	"lianxi/console/api"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/taskclient"
)

// A list of 20,000 tasks reads one page of 50; its pager links the first
// and last pages and the three on each side of the current one, marks the
// pages left out, and keeps the filters in every link.
func TestPageOfTasksLinksAWindow(t *testing.T) {
	ctx := context.Background()
	store, err := ledger.OpenSQLite(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	b, err := board.Open(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]domain.BoardRow, 20000)
	for i := range rows {
		no := fmt.Sprintf("%d.%d", i/100+1, i%100+1)
		rows[i] = domain.BoardRow{WorkflowID: "p/" + no, PlanID: "p", TaskNo: no, Title: "t", Status: domain.StatusSigning,
			Participants: []string{"ndrc"}, Pending: []string{"ndrc"}, Due: time.Now(), Decisions: 1}
	}
	if _, err := b.Seed(ctx, rows); err != nil {
		t.Fatal(err)
	}
	s := &Server{d: Deps{Deps: api.Deps{Tasks: &taskclient.Client{Board: b}}}}
	q, _ := url.ParseQuery("plan=p&status=signing&page=10&msg=launched")
	t0 := time.Now()
	list, p, err := s.pageOfTasks(ctx, "/office", "tasks", q, taskclient.PageFilter{Filter: taskclient.Filter{Plan: "p", Status: domain.StatusSigning}})
	if err != nil {
		t.Fatal(err)
	}
	paged := time.Since(t0)
	if _, err := s.d.Tasks.Menus(ctx, "", "p"); err != nil {
		t.Fatal(err)
	}
	t.Logf("20,000 tasks: page 10 read in %s, menus and totals in %s", paged, time.Since(t0)-paged)
	if len(list) != 50 || list[0].No != "5.51" || p.Total != 20000 || p.Pages != 400 || p.Page != 10 {
		t.Fatalf("page 10: %d tasks from %v, pager %d of %d, %d tasks", len(list), list[:min(1, len(list))], p.Page, p.Pages, p.Total)
	}
	var got []string
	for _, l := range p.Links {
		got = append(got, fmt.Sprintf("%v%d%v", map[bool]string{true: "…"}[l.Gap], l.N, map[bool]string{true: "*"}[l.Current]))
	}
	if diff := cmp.Diff([]string{"1", "…7", "8", "9", "10*", "11", "12", "13", "…400"}, got); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}
	if want := "/office?page=11&plan=p&status=signing#tasks"; p.Older != want {
		t.Errorf("next page %q, want %q", p.Older, want)
	}
}
