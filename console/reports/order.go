// Package reports computes and lays out what the office reads about a
// plan: its figures per ministry and per section (Stats), those figures
// as bar charts, the plan's 台账 as a workbook, and an issued bulletin as
// a workbook or a Word document. It reads tasks as the caller hands them
// over and writes no HTTP: the console's handlers fetch, call and send.
package reports

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"lianxi/domain"
	"lianxi/taskclient"
)

// Names gives a ministry's Chinese short name by its ID.
type Names func(ministryID string) string

// CompareTaskNo orders task numbers as people read them: part by part,
// numerically where both parts are numbers, so 1.2 comes before 1.10.
func CompareTaskNo(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		var c int
		if ea == nil && eb == nil {
			c = cmp.Compare(na, nb)
		} else {
			c = strings.Compare(pa[i], pb[i])
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(pa), len(pb))
}

// ListedStatuses are the statuses totals list: the lifecycle's four
// always, and a run's ends outside it (terminated, timed out, failed)
// when some task has one, so such a task is counted, not left out.
func ListedStatuses(counts map[string]int) []string {
	out := []string{domain.StatusSigning, domain.StatusInReview, domain.StatusClosed, domain.StatusCancelled}
	for _, st := range []string{domain.StatusTerminated, domain.StatusTimedOut, domain.StatusFailed} {
		if counts[st] > 0 {
			out = append(out, st)
		}
	}
	return out
}

// Light is a task's warning light, as a CSS class and its words: closed
// and cancelled tasks have none of the colours, whatever their last
// warning was.
func Light(status, warning string) (class, label string) {
	switch status {
	case domain.StatusClosed:
		return "done", "已办结"
	case domain.StatusCancelled:
		return "done", "已撤销"
	}
	return warning, map[string]string{domain.WarningGreen: "正常", domain.WarningYellow: "预警", domain.WarningRed: "超期"}[warning]
}

// SortByPlanAndNo orders tasks by plan, then by task number.
func SortByPlanAndNo(list []taskclient.Summary) {
	slices.SortStableFunc(list, func(a, b taskclient.Summary) int {
		if c := strings.Compare(a.Plan, b.Plan); c != 0 {
			return c
		}
		return CompareTaskNo(a.No, b.No)
	})
}
