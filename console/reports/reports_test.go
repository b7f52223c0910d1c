package reports

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"lianxi/domain"
	"lianxi/taskclient"
)

// names is a registry of two ministries, as notify.Name would answer.
func names(id string) string {
	return map[string]string{"ndrc": "发展改革委", "miit": "工业和信息化部"}[id]
}

var launched = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// tasks are three tasks of one plan: one closed after both answered, one
// waiting (overdue) for miit, one in section 10 whose run was terminated.
func tasks() ([]taskclient.Summary, []domain.TaskStatus) {
	answer := func(days int) *domain.Answer {
		return &domain.Answer{Decision: "approve", At: launched.Add(time.Duration(days) * 24 * time.Hour)}
	}
	statuses := []domain.TaskStatus{
		{TaskNo: "2.1", Title: "甲", Status: domain.StatusClosed, Lead: "ndrc", StartedAt: launched,
			Participants: []domain.Participant{{ID: "ndrc", Role: domain.RoleLead, Answer: answer(2)}, {ID: "miit", Role: domain.RoleCo, Answer: answer(4)}},
			Outcome:      &domain.TaskOutcome{Status: domain.StatusClosed, EndedAt: launched.Add(10 * 24 * time.Hour)}},
		{TaskNo: "2.2", Title: "乙", Status: domain.StatusSigning, Lead: "miit", StartedAt: launched, Warning: domain.WarningRed,
			Participants: []domain.Participant{{ID: "miit", Role: domain.RoleLead}, {ID: "ndrc", Role: domain.RoleCo, Answer: answer(1)}},
			Pending:      []string{"miit"}},
		{TaskNo: "10.1", Title: "丙", Status: domain.StatusTerminated, Lead: "ndrc", StartedAt: launched,
			Participants: []domain.Participant{{ID: "ndrc", Role: domain.RoleLead}}},
	}
	var list []taskclient.Summary
	for _, st := range statuses {
		list = append(list, taskclient.Summary{Plan: "p", No: st.TaskNo, Due: launched.Add(30 * 24 * time.Hour)})
	}
	return list, statuses
}

func TestCount(t *testing.T) {
	_, statuses := tasks()
	got := Count("p", statuses, names)
	want := Stats{Plan: "p", Tasks: 3,
		Ministries: []MinistryStats{
			{ID: "ndrc", Name: "发展改革委", Led: 2, CoSigned: 1, Closed: 1, MedianDaysToAnswer: 1.5},
			{ID: "miit", Name: "工业和信息化部", Led: 1, CoSigned: 1, Pending: 1, Overdue: 1, Closed: 1, MedianDaysToAnswer: 4},
		},
		// Section 10 comes after 2, as people read numbers.
		Sections: []SectionStats{{Section: "2", Tasks: 2, Closed: 1, Open: 1, Percent: 50}, {Section: "10", Tasks: 1, Ended: 1}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if m := median(nil); m != -1 {
		t.Errorf("median of nothing: %v, want -1", m)
	}
}

func TestCharts(t *testing.T) {
	_, statuses := tasks()
	st := Count("p", statuses, names)
	ms := MinistryCharts(st)
	if len(ms) != 2 || len(ms[0].Bars) != len(MinistrySeries) || ms[0].Note != "答复中位 1.5 天" {
		t.Fatalf("ministry charts: %+v", ms)
	}
	// Every bar fits the chart, and the largest figure is the longest bar.
	for _, c := range ms {
		for _, b := range c.Bars {
			if b.X+b.W > chartWidth-chartValueW {
				t.Errorf("%s %s: bar ends at %d, past %d", c.Title, b.Label, b.X+b.W, chartWidth-chartValueW)
			}
		}
	}
	if ms[0].Bars[0].W != chartWidth-chartLabelW-chartValueW {
		t.Errorf("ndrc leads 2, the most of any figure: bar %d wide", ms[0].Bars[0].W)
	}
	secs := SectionCharts(st)
	labels := func(c Chart) (out []string) {
		for _, b := range c.Bars {
			out = append(out, b.Label)
		}
		return out
	}
	if got := labels(secs[0]); !slices.Equal(got, []string{"办结", "在办", "撤销"}) {
		t.Errorf("section 2 bars %v: no 终止 bar without an ended task", got)
	}
	if got := labels(secs[1]); !slices.Equal(got, []string{"办结", "在办", "撤销", "终止"}) {
		t.Errorf("section 10 bars %v, want its ended task shown", got)
	}
}

func TestLedgerWorkbook(t *testing.T) {
	list, statuses := tasks()
	f, err := LedgerWorkbook(list, statuses, names)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	back, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if got := back.GetSheetList(); !slices.Equal(got, []string{"台账", "发展改革委", "工业和信息化部"}) {
		t.Errorf("sheets %v", got)
	}
	rows, err := back.GetRows("台账")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2.1", "甲", "2", "发展改革委", "工业和信息化部", "办结", "0", "", "2026-03-31", "已办结", "2026-03-11"}
	if len(rows) != 4 || !slices.Equal(rows[1], want) {
		t.Errorf("ledger rows %q, want the first task as %q", rows, want)
	}
}

func TestSheetName(t *testing.T) {
	used := map[string]bool{}
	long := "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
	for _, c := range []struct{ in, want string }{
		{"a/b:c", "a_b_c"}, {"a/b:c", "a_b_c2"}, {long, string([]rune(long)[:28])},
	} {
		if got := sheetName(c.in, used); got != c.want {
			t.Errorf("sheetName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
