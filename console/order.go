package console

import (
	"lianxi/console/reports"
	"lianxi/taskclient"
)

// compareTaskNo orders task numbers as people read them (reports.CompareTaskNo).
func compareTaskNo(a, b string) int { return reports.CompareTaskNo(a, b) }

// sortByPlanAndNo orders tasks by plan, then by task number
// (reports.SortByPlanAndNo).
func sortByPlanAndNo(list []taskclient.Summary) { reports.SortByPlanAndNo(list) }
