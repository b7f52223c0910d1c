package console

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lianxi/domain"
	"lianxi/starter"
	"lianxi/testkit"
)

// column is one table column as Chromium laid it out.
type column struct {
	Head  string  `json:"head"`
	Width float64 `json:"width"`
}

// measureColumns reads the width of every column of the table sel.
func measureColumns(sel string) string {
	return fmt.Sprintf(`Array.from(document.querySelector(%q).rows[0].cells).map(c => ({head: c.textContent.trim(), width: c.getBoundingClientRect().width}))`, sel)
}

// lineCounts reads, for the row of table sel that contains text, how many
// lines each cell's text takes.
func lineCounts(sel, text string) string {
	return fmt.Sprintf(`(() => {
		const row = Array.from(document.querySelector(%q).rows).find(r => r.textContent.includes(%q));
		if (!row) return null;
		return Array.from(row.cells).map(c => {
			const r = document.createRange();
			r.selectNodeContents(c);
			return new Set(Array.from(r.getClientRects()).filter(x => x.width > 0).map(x => Math.round(x.top))).size;
		});
	})()`, sel, text)
}

// A task with 113 pending bodies and a signer's name of 100 characters,
// seen in Chromium: on the dashboard, the plan overview and the task page
// every column keeps a readable width and the short ones (number, status,
// round, role, answer) stay on one line, the pending list folded behind a
// count and one click from every name. The dashboard names the plan by its
// title; unread notifications are marked apart from the overdue red;
// chart labels are at least 12 px. Screenshots are kept as test artifacts.
func TestBrowserLongListsKeepColumns(t *testing.T) {
	bin := chromium(t)
	s := newStack(t)
	ctx := context.Background()
	var ids []string
	for _, m := range s.console.d.Registry.All() {
		if m.ID != "ndrc" && len(ids) < 112 {
			ids = append(ids, m.ID)
		}
	}
	ids = append([]string{"ndrc"}, ids...)
	wide := domain.TaskSpec{PlanID: "wide", PlanTitle: "宽表测试规划", TaskNo: "2.1", Title: "一百一十三个单位会签的任务", Lead: "ndrc", Participants: ids}
	if _, err := starter.Launch(ctx, s.tasks.C, []domain.TaskSpec{wide}, starter.Options{Board: s.board, Titles: s.ledger}); err != nil {
		t.Fatal(err)
	}
	longSigner := strings.Repeat("签", 70) + strings.Repeat("W", domain.MaxNameLen-70)
	if a := s.call("miit", "POST", "/api/plans/web/tasks/1.1/sign-off", js(map[string]string{"decision": "approve", "signer": longSigner})); a.status != 200 {
		t.Fatalf("sign-off: %d %s", a.status, a.body)
	}
	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	testkit.Eventually(t, "the dashboard to list the wide task with 113 pending", func() (bool, string) {
		_, _, page := office.do("GET", "/office", nil)
		return strings.Contains(page, "等 113 个单位"), "not yet"
	})
	miit := newBrowser(t, s)
	miit.login(s.tokens.Ministries["miit"])
	testkit.Eventually(t, "an unread notification in miit's inbox", func() (bool, string) {
		_, _, page := miit.do("GET", "/inbox", nil)
		return strings.Contains(page, `class="unread"`), "none yet"
	})

	artifacts := os.Getenv("LIANXI_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join("..", "artifacts")
	}
	artifacts = filepath.Join(artifacts, "browser")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	bctx := startChromium(t, bin)
	bctx, cancel := context.WithTimeout(bctx, 3*time.Minute)
	defer cancel()
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var buf []byte
			if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(artifacts, name+".png"), buf, 0o644)
		})
	}
	// viewShot keeps what the window shows, for pages too long to read
	// whole in one picture.
	viewShot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var buf []byte
			if err := chromedp.CaptureScreenshot(&buf).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(artifacts, name+".png"), buf, 0o644)
		})
	}
	login := func(token string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.Navigate(s.url + "/login"),
			chromedp.WaitVisible("#token", chromedp.ByID),
			chromedp.SendKeys("#token", token, chromedp.ByID),
			chromedp.Click("#login", chromedp.ByID),
			chromedp.WaitVisible("header .who", chromedp.ByQuery),
		}
	}
	// columns checks that every column of sel but the light's is at least
	// minWidth wide and the named ones at least their own minimum.
	columns := func(page, sel string, minWidth float64, wider map[string]float64) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var cols []column
			if err := chromedp.Evaluate(measureColumns(sel), &cols).Do(ctx); err != nil {
				return err
			}
			t.Logf("%s %s columns: %+v", page, sel, cols)
			for _, c := range cols {
				want := minWidth
				if w, ok := wider[c.Head]; ok {
					want = w
				}
				if c.Head != "" && c.Width < want {
					t.Errorf("%s: column %q of %s is %.0f px wide, want at least %.0f", page, c.Head, sel, c.Width, want)
				}
			}
			return nil
		})
	}
	// oneLine checks that the cells at the given indexes of the row of sel
	// holding text each take one line.
	oneLine := func(page, sel, text string, cells ...int) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var lines []int
			if err := chromedp.Evaluate(lineCounts(sel, text), &lines).Do(ctx); err != nil {
				return err
			}
			if lines == nil {
				t.Errorf("%s: no row of %s holds %q", page, sel, text)
				return nil
			}
			for _, i := range cells {
				if i >= len(lines) || lines[i] != 1 {
					t.Errorf("%s: in the row of %s holding %q, cell %d takes %v lines, want 1 (all: %v)", page, sel, text, i, lines[min(i, len(lines)-1)], lines)
				}
			}
			return nil
		})
	}
	var dashboard, rowHeight, expandedHeight float64
	var dashboardText string
	if err := chromedp.Run(bctx,
		login(s.tokens.Office),
		chromedp.Navigate(s.url+"/office"),
		chromedp.WaitVisible("#tasks", chromedp.ByID),
		shot("wide-dashboard"),
		chromedp.Text("main", &dashboardText, chromedp.ByQuery),
		columns("dashboard", "#tasks", 40, map[string]float64{"任务": 150, "待办单位": 150}),
		// light, plan, number, task, status, round, pending, due
		oneLine("dashboard", "#tasks", "一百一十三", 2, 4, 5, 7),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('#tasks tr')).find(r => r.textContent.includes('一百一十三')).getBoundingClientRect().height`, &rowHeight),
		chromedp.Evaluate(`document.querySelector('#tasks').getBoundingClientRect().width`, &dashboard),
		// Every name is one click away.
		chromedp.Click(`#tasks details.names summary`, chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('#tasks tr')).find(r => r.textContent.includes('一百一十三')).getBoundingClientRect().height`, &expandedHeight),
		shot("wide-dashboard-expanded"),
		columns("dashboard, pending list open", "#tasks", 40, map[string]float64{"任务": 150}),
		oneLine("dashboard, pending list open", "#tasks", "一百一十三", 2, 4, 5, 7),
	); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	if rowHeight > 100 {
		t.Errorf("the row of the task with 113 pending bodies is %.0f px high: its list is not folded", rowHeight)
	}
	if expandedHeight <= rowHeight {
		t.Errorf("opening the pending list did not show every name (%.0f px, folded %.0f px)", expandedHeight, rowHeight)
	}
	if !strings.Contains(dashboardText, "宽表测试规划") || !strings.Contains(dashboardText, testPlanTitle) {
		t.Errorf("the dashboard does not name the plans by their titles")
	}
	for _, w := range asciiWord.FindAllString(dashboardText, -1) {
		if w == "wide" || w == "web" {
			t.Errorf("the dashboard shows the plan ID %q", w)
		}
	}

	if err := chromedp.Run(bctx,
		chromedp.Navigate(s.url+"/plans/wide"),
		chromedp.WaitVisible("#days-to-due", chromedp.ByID),
		shot("wide-plan"),
		columns("plan overview", "#days-to-due", 40, map[string]float64{"任务": 150}),
		oneLine("plan overview", "#days-to-due", "一百一十三", 1, 3, 5, 6),
		chromedp.Navigate(s.url+"/tasks/wide/2.1"),
		chromedp.WaitVisible("#participants", chromedp.ByID),
		viewShot("wide-task"),
		columns("task page", "#participants", 40, map[string]float64{"单位": 100, "说明": 150}),
		chromedp.Navigate(s.url+"/tasks/web/1.1"),
		chromedp.WaitVisible("#participants", chromedp.ByID),
		shot("long-signer"),
		columns("task page, long signer", "#participants", 40, map[string]float64{"单位": 100, "说明": 150}),
		// unit, role, answer, time
		oneLine("task page, long signer", "#participants", "WWW", 0, 1, 2),
	); err != nil {
		t.Fatalf("plan and task pages: %v", err)
	}

	// Chart labels are set large enough to read, clear of their bars.
	var labels []struct {
		Font  float64 `json:"font"`
		Right float64 `json:"right"`
		Bar   float64 `json:"bar"`
	}
	if err := chromedp.Run(bctx,
		chromedp.Navigate(s.url+"/stats?plan=wide"),
		chromedp.WaitVisible("#ministry-chart", chromedp.ByID),
		viewShot("wide-stats"),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('#ministry-chart svg')).slice(0, 3).flatMap(svg =>
			Array.from(svg.querySelectorAll('text[x="0"]')).map(t => ({
				font: parseFloat(getComputedStyle(t).fontSize),
				right: t.getBoundingClientRect().right,
				bar: svg.querySelector('rect').getBoundingClientRect().left})))`, &labels),
	); err != nil {
		t.Fatalf("stats: %v", err)
	}
	if len(labels) == 0 {
		t.Error("no chart labels on the statistics page")
	}
	for _, l := range labels {
		if l.Font < 12 || l.Right > l.Bar {
			t.Errorf("a chart label is %.0f px, its right edge at %.0f and its bar at %.0f: want at least 12 px, clear of the bar", l.Font, l.Right, l.Bar)
		}
	}

	// A ministry's unread notifications are marked in another colour than
	// the red of an overdue task.
	var marker struct {
		Content, Color, Background, Red string
	}
	if err := chromedp.Run(bctx,
		chromedp.Click(`header form button`, chromedp.ByQuery),
		chromedp.WaitVisible("#token", chromedp.ByID),
		login(s.tokens.Ministries["miit"]),
		chromedp.Navigate(s.url+"/inbox"),
		chromedp.WaitVisible("#notifications li.unread", chromedp.ByQuery),
		shot("inbox-unread"),
		chromedp.Evaluate(`(() => {
			const m = getComputedStyle(document.querySelector('#notifications li.unread'), '::before');
			const red = document.createElement('span');
			red.className = 'light red';
			document.body.appendChild(red);
			return {Content: m.content, Color: m.color, Background: m.backgroundColor, Red: getComputedStyle(red).backgroundColor};
		})()`, &marker),
	); err != nil {
		t.Fatalf("inbox: %v", err)
	}
	if marker.Content == "none" || marker.Content == "" || marker.Red == "" || marker.Color == marker.Red || marker.Background == marker.Red {
		t.Errorf("the unread marker %+v should be shown, in another colour than the overdue red", marker)
	}
}

// The task page with 60 of the longest progress reports, in Chromium: the
// document is under 1 MiB, the newest report comes first, folded, and opens
// whole with one click; the oldest is reached through the page links.
func TestBrowserLongProgressPaged(t *testing.T) {
	bin := chromium(t)
	s := newStack(t)
	report := s.fileLongReports(60)
	artifacts := os.Getenv("LIANXI_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join("..", "artifacts")
	}
	artifacts = filepath.Join(artifacts, "browser")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	bctx := startChromium(t, bin)
	bctx, cancel := context.WithTimeout(bctx, time.Minute)
	defer cancel()
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var buf []byte
			if err := chromedp.CaptureScreenshot(&buf).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(artifacts, name+".png"), buf, 0o644)
		})
	}
	// size is the HTML document's size in bytes, as Chromium received it.
	const size = `performance.getEntriesByType('navigation')[0].decodedBodySize`
	// first reads the first report listed: its opening, and its whole text
	// when it is open.
	const first = `(() => {
		const li = document.querySelector('#progress li');
		const d = li.querySelector('details.fold');
		return {head: li.querySelector('summary').innerText, open: d.open, whole: d.open ? d.querySelector('.whole').innerText : ''};
	})()`
	type shown struct {
		Head  string `json:"head"`
		Open  bool   `json:"open"`
		Whole string `json:"whole"`
	}
	var firstSize, lastSize float64
	var folded, opened, oldest shown
	var oldestPage string
	if err := chromedp.Run(bctx,
		chromedp.Navigate(s.url+"/login"),
		chromedp.WaitVisible("#token", chromedp.ByID),
		chromedp.SendKeys("#token", s.tokens.Ministries["mof"], chromedp.ByID),
		chromedp.Click("#login", chromedp.ByID),
		chromedp.WaitVisible("header .who", chromedp.ByQuery),
		chromedp.Navigate(s.url+"/tasks/web/1.1"),
		chromedp.WaitVisible("#progress", chromedp.ByID),
		chromedp.Evaluate(size, &firstSize),
		chromedp.Evaluate(first, &folded),
		chromedp.ScrollIntoView("#progress-list", chromedp.ByID),
		shot("progress-first-page"),
		chromedp.Click("#progress li details.fold summary", chromedp.ByQuery),
		chromedp.Evaluate(first, &opened),
		shot("progress-report-open"),
		// The pager's last numbered link is the oldest page.
		chromedp.Evaluate(`Array.from(document.querySelectorAll('#progress-list + nav.pager a:not([rel])')).pop().href`, &oldestPage),
		chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(oldestPage).Do(ctx) }),
		chromedp.WaitVisible("#progress", chromedp.ByID),
		chromedp.Evaluate(size, &lastSize),
		chromedp.Click("#progress li:last-child details.fold summary", chromedp.ByQuery),
		chromedp.Evaluate(`(() => { const d = document.querySelector('#progress li:last-child details.fold'); return {head: d.querySelector('summary').innerText, open: d.open, whole: d.querySelector('.whole').innerText}; })()`, &oldest),
		shot("progress-last-page"),
	); err != nil {
		t.Fatalf("task page: %v", err)
	}
	if firstSize <= 0 || firstSize >= 1<<20 || lastSize <= 0 || lastSize >= 1<<20 {
		t.Errorf("the task page's pages are %.0f and %.0f bytes, want each under 1 MiB", firstSize, lastSize)
	}
	if !strings.HasPrefix(folded.Head, "第59份：") || folded.Open || !strings.Contains(folded.Head, "展开全文") {
		t.Errorf("the first report shown is %.40q (open %v), want the newest, folded", folded.Head, folded.Open)
	}
	if !opened.Open || opened.Whole != report(59) {
		t.Errorf("one click on the newest report shows %d characters (open %v), want it whole", len([]rune(opened.Whole)), opened.Open)
	}
	if !oldest.Open || oldest.Whole != report(0) {
		t.Errorf("the last page's last report is %.40q (open %v), want the oldest, whole", oldest.Head, oldest.Open)
	}
}
