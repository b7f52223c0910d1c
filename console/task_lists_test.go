package console

import (
	"context"
	"fmt"
	"html"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lianxi/domain"
	"lianxi/taskclient"
)

// seedBigPlan puts 300 tasks of plan "big" on the board directly (no
// workflows): six sections of 50 numbers (so 2.9 and 2.10 both exist), in
// shuffled order, every fifth closed, every third with ndrc on it, all
// pending for miit while open, due dates spread around now.
func seedBigPlan(t *testing.T, s *stack) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	var rows []domain.BoardRow
	for i := range 300 {
		no := fmt.Sprintf("%d.%d", i/50+1, i%50+1)
		r := domain.BoardRow{WorkflowID: "big/" + no, PlanID: "big", TaskNo: no, Title: fmt.Sprintf("大任务%03d", i), Status: domain.StatusSigning,
			Round: 1, Lead: "miit", Participants: []string{"miit", "mof"}, Pending: []string{"miit"},
			Due: now.Add(time.Duration(i%40-10) * 24 * time.Hour), WarningWindow: time.Duration(1+i%7) * 24 * time.Hour, Decisions: 1, UpdatedAt: now}
		if i%3 == 0 {
			r.Participants = append(r.Participants, "ndrc")
		}
		if i%5 == 0 {
			r.Status, r.Pending = domain.StatusClosed, []string{}
		}
		rows = append(rows, r)
	}
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	if n, err := s.board.Seed(context.Background(), rows); err != nil || n != 300 {
		t.Fatalf("seed the board: %d rows (%v)", n, err)
	}
}

var (
	taskLink = regexp.MustCompile(`<a href="/(?:tasks|audit/history)/big/([^"]+)">`)
	nextLink = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
)

// listed reads the task numbers of plan "big" in a page's table id, and
// the address of the next page ("" on the last).
func listed(t *testing.T, page, table string) ([]string, string) {
	t.Helper()
	i := strings.Index(page, `<table id="`+table+`"`)
	if i < 0 {
		t.Fatalf("no table %s in the page", table)
	}
	rest := page[i:]
	tbl := rest[:strings.Index(rest, "</table>")]
	nos := []string{}
	for _, m := range taskLink.FindAllStringSubmatch(tbl, -1) {
		nos = append(nos, m[1])
	}
	next := ""
	if m := nextLink.FindStringSubmatch(rest); m != nil {
		next = html.UnescapeString(m[1])
	}
	return nos, next
}

// walk follows a list's "next" links from path, checking every page has
// at most 50 rows, and returns the numbers in the order shown.
func walk(t *testing.T, b *browser, path, table string) (nos []string, pages int) {
	t.Helper()
	for path != "" {
		code, _, page := b.do("GET", path, nil)
		if code != 200 {
			t.Fatalf("GET %s: %d", path, code)
		}
		got, next := listed(t, page, table)
		if len(got) > tasksPerPage {
			t.Fatalf("GET %s lists %d tasks, more than a page", path, len(got))
		}
		nos, path, pages = append(nos, got...), next, pages+1
	}
	return nos, pages
}

func numbers(list []taskclient.Summary) []string {
	out := []string{}
	for _, s := range list {
		if s.Plan == "big" {
			out = append(out, s.No)
		}
	}
	return out
}

// The dashboard shows 50 tasks a page, in the order it listed them when it
// showed them all (plan, then number read as numbers), with totals counted
// over every task; page links keep the filters, and the filters select as
// before.
func TestDashboardPagesBigPlan(t *testing.T) {
	s := newStack(t)
	seedBigPlan(t, s)
	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	ctx := context.Background()
	all, err := s.tasks.List(ctx, taskclient.Filter{Plan: "big"})
	if err != nil {
		t.Fatal(err)
	}
	sortByPlanAndNo(all)

	_, _, first := office.do("GET", "/office?plan=big", nil)
	for _, want := range []string{"第 1 / 6 页，共 300 项", "会签中：<b>240</b>", "办结：<b>60</b>", `<option value="6" >（6）</option>`} {
		if !strings.Contains(first, want) {
			t.Errorf("page 1 lacks %q", want)
		}
	}
	if len(first) > 64<<10 {
		t.Errorf("page 1 of 300 tasks is %d KiB", len(first)>>10)
	}
	got, pages := walk(t, office, "/office?plan=big", "tasks")
	if diff := cmp.Diff(numbers(all), got); diff != "" || pages != 6 {
		t.Errorf("%d pages; order (-before +paged):\n%s", pages, diff)
	}
	// A page past the last shows the last.
	_, _, last := office.do("GET", "/office?plan=big&page=99", nil)
	if nos, next := listed(t, last, "tasks"); len(nos) != 50 || next != "" || nos[49] != "6.50" {
		t.Errorf("page 99 lists %d tasks ending %v, next %q", len(nos), nos[len(nos)-1:], next)
	}

	// The auditor's list of histories to export pages the same way.
	auditor := newBrowser(t, s)
	auditor.login(s.tokens.Auditor)
	every, err := s.tasks.List(ctx, taskclient.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, pages := walk(t, auditor, "/audit", "exports"); !slices.Equal(numbers(all), got) || pages != (len(every)+49)/50 {
		t.Errorf("the audit page lists %d tasks of plan big in %d pages, want the dashboard's 300 and %d tasks in all, 50 a page",
			len(got), pages, len(every))
	}

	// Each filter selects what the dashboard selected when it filtered
	// every task in Go; its pages' links keep it.
	filters := map[string]func(taskclient.Summary) bool{
		"status=closed":                       func(s taskclient.Summary) bool { return s.Status == domain.StatusClosed },
		"section=2":                           func(s taskclient.Summary) bool { return strings.HasPrefix(s.No, "2.") },
		"ministry=ndrc":                       func(s taskclient.Summary) bool { return slices.Contains(s.Participants, "ndrc") },
		"q=" + "%E5%A4%A7%E4%BB%BB%E5%8A%A11": func(s taskclient.Summary) bool { return strings.Contains(s.Title, "大任务1") },
		"q=3.1&status=signing": func(s taskclient.Summary) bool {
			return strings.HasPrefix(s.No, "3.1") && s.Status == domain.StatusSigning
		},
	}
	for query, keep := range filters {
		want := []string{}
		for _, s := range all {
			if keep(s) {
				want = append(want, s.No)
			}
		}
		got, pages := walk(t, office, "/office?plan=big&"+query, "tasks")
		if diff := cmp.Diff(want, got); diff != "" || pages != max(1, (len(want)+49)/50) {
			t.Errorf("%s: %d pages; (-before +paged):\n%s", query, pages, diff)
		}
	}
}

// A ministry's inbox shows its pending tasks 50 a page, most urgent first
// as before (red, yellow, green, then by due date).
func TestInboxPagesBigPlan(t *testing.T) {
	s := newStack(t)
	seedBigPlan(t, s)
	miit := newBrowser(t, s)
	miit.login(s.tokens.Ministries["miit"])
	all, err := s.tasks.List(context.Background(), taskclient.Filter{Ministry: "miit", Pending: true})
	if err != nil {
		t.Fatal(err)
	}
	taskclient.SortForDashboard(all)
	_, _, first := miit.do("GET", "/inbox", nil)
	if !strings.Contains(first, fmt.Sprintf("第 1 / 5 页，共 %d 项", len(all))) {
		t.Errorf("the inbox does not count %d pending tasks on 5 pages", len(all))
	}
	got, pages := walk(t, miit, "/inbox", "pending")
	if diff := cmp.Diff(numbers(all), got); diff != "" || pages != 5 {
		t.Errorf("%d pages; order (-before +paged):\n%s", pages, diff)
	}
}
