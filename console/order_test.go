package console

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lianxi/taskclient"
)

func TestSortByPlanAndNo(t *testing.T) {
	list := []taskclient.Summary{
		{Plan: "b", No: "1.1"}, {Plan: "a", No: "1.10"}, {Plan: "a", No: "2.1"}, {Plan: "a", No: "1.2"}, {Plan: "a", No: "1"},
	}
	sortByPlanAndNo(list)
	var got []string
	for _, s := range list {
		got = append(got, s.Plan+"/"+s.No)
	}
	want := []string{"a/1", "a/1.2", "a/1.10", "a/2.1", "b/1.1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order mismatch (-want +got):\n%s", diff)
	}
	if !slices.IsSortedFunc([]string{"1.2", "1.10", "10.1"}, compareTaskNo) {
		t.Error("1.2, 1.10, 10.1 should be in order")
	}
}
