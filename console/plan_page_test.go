package console

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lianxi/domain"
	"lianxi/taskclient"
)

func TestPlanOverview(t *testing.T) {
	now := time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	list := []taskclient.Summary{
		{Plan: "p", No: "1.10", Status: domain.StatusSigning, Due: now.Add(5*day + time.Hour), Warning: domain.WarningGreen},
		{Plan: "p", No: "1.2", Status: domain.StatusSigning, Due: now.Add(-2 * day), Warning: domain.WarningRed},
		{Plan: "p", No: "2.1", Status: domain.StatusInReview, Due: now.Add(12 * time.Hour), Warning: domain.WarningYellow},
		{Plan: "p", No: "2.2", Status: domain.StatusClosed, Due: now.Add(-9 * day), Warning: domain.WarningRed},
		{Plan: "p", No: "10.1", Status: domain.StatusCancelled},
	}
	d := planOverview("p", list, now)
	var counts []int
	for _, c := range d.ByStatus {
		counts = append(counts, c.Count)
	}
	if diff := cmp.Diff([]int{2, 1, 1, 1}, counts); diff != "" {
		t.Errorf("by status (-want +got):\n%s", diff)
	}
	want := []sectionRow{
		{Section: "1", Tasks: 2, Signing: 2, Overdue: 1},
		{Section: "2", Tasks: 2, InReview: 1, Closed: 1, Percent: 50},
		{Section: "10", Tasks: 1, Cancelled: 1},
	}
	if diff := cmp.Diff(want, d.Sections); diff != "" {
		t.Errorf("sections (-want +got):\n%s", diff)
	}
	// A closed task is never overdue, whatever its last warning.
	if len(d.Overdue) != 1 || d.Overdue[0].No != "1.2" || d.Overdue[0].DaysLabel() != "超期 2 天" {
		t.Errorf("overdue %+v", d.Overdue)
	}
	var open []string
	for _, r := range d.Open {
		open = append(open, r.No+" "+r.DaysLabel())
	}
	if diff := cmp.Diff([]string{"1.2 超期 2 天", "2.1 剩余 1 天", "1.10 剩余 6 天"}, open); diff != "" {
		t.Errorf("open by days to due (-want +got):\n%s", diff)
	}
}

// The plan overview is the office's and the auditor's, linked from the
// dashboard's plan column.
func TestPlanPage(t *testing.T) {
	s := newStack(t)
	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	if _, _, page := office.do("GET", "/office", nil); !strings.Contains(page, `<a href="/plans/web">`+testPlanTitle+`</a>`) {
		t.Errorf("the dashboard's plan column does not link to the overview:\n%s", page)
	}
	code, _, page := office.do("GET", "/plans/web", nil)
	for _, want := range []string{"规划概览：" + testPlanTitle, "会签中", "（1）", `href="/tasks/web/1.1"`, "剩余", "没有超期任务", "发展改革委"} {
		if !strings.Contains(page, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	if code != http.StatusOK {
		t.Errorf("overview: %d", code)
	}
	if code, _, _ := office.do("GET", "/plans/no-such-plan", nil); code != http.StatusNotFound {
		t.Errorf("unknown plan: %d", code)
	}
	ministry := newBrowser(t, s)
	ministry.login(s.tokens.Ministries["miit"])
	if code, _, _ := ministry.do("GET", "/plans/web", nil); code != http.StatusForbidden {
		t.Errorf("a ministry reads the plan overview: %d", code)
	}
}
