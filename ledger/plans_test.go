package ledger

import (
	"context"
	"reflect"
	"testing"
)

// A plan's title is kept once per plan: a later launch with another title
// replaces it, and an empty title leaves the one kept.
func TestPlanTitles(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			for _, p := range [][2]string{{"a", "第一规划"}, {"b", "第二规划"}, {"a", "第一规划（修订）"}, {"b", " "}, {"", "无编号"}} {
				if err := s.PutPlanTitle(ctx, p[0], p[1]); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.PlanTitles(ctx)
			if want := map[string]string{"a": "第一规划（修订）", "b": "第二规划"}; err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("titles %v %v, want %v", got, err, want)
			}
		})
	}
}
