package console

import (
	"slices"
	"strings"

	"lianxi/console/reports"
	"lianxi/taskclient"
)

// compareTaskNo orders task numbers as people read them (reports.CompareTaskNo).
func compareTaskNo(a, b string) int { return reports.CompareTaskNo(a, b) }

// sortByPlanAndNo orders tasks by plan, then by task number.
func sortByPlanAndNo(list []taskclient.Summary) {
	slices.SortStableFunc(list, func(a, b taskclient.Summary) int {
		if c := strings.Compare(a.Plan, b.Plan); c != 0 {
			return c
		}
		return reports.CompareTaskNo(a.No, b.No)
	})
}
