package console

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"lianxi/taskclient"
)

// compareTaskNo orders task numbers as people read them: part by part,
// numerically where both parts are numbers, so 1.2 comes before 1.10.
func compareTaskNo(a, b string) int {
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

// sortByPlanAndNo orders tasks by plan, then by task number.
func sortByPlanAndNo(list []taskclient.Summary) {
	slices.SortStableFunc(list, func(a, b taskclient.Summary) int {
		if c := strings.Compare(a.Plan, b.Plan); c != 0 {
			return c
		}
		return compareTaskNo(a.No, b.No)
	})
}
