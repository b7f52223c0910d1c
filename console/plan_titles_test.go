package console

import (
	"context"
	"testing"
	"time"

	"lianxi/bundled"
)

// Titles are read once for a page, a plan launched since is found within
// planTitlesRetry, the bundled plan has its own title without a record, and
// a plan with no title keeps its ID.
func TestPlanTitles(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	stored := map[string]string{"a": "甲规划"}
	reads := 0
	titles := newPlanTitles(func(context.Context) (map[string]string, error) {
		reads++
		out := map[string]string{}
		for k, v := range stored {
			out[k] = v
		}
		return out, nil
	}, func() time.Time { return now })
	for range 3 {
		if got := titles.title(ctx, "a"); got != "甲规划" {
			t.Errorf("title of a: %q", got)
		}
		if got := titles.title(ctx, "none"); got != "none" {
			t.Errorf("a plan without a title: %q, want its ID", got)
		}
	}
	if reads != 1 {
		t.Errorf("%d reads for one page, want 1", reads)
	}
	stored["b"] = "乙规划"
	now = now.Add(planTitlesRetry + time.Second)
	if got := titles.title(ctx, "b"); got != "乙规划" {
		t.Errorf("a plan launched since the last read: %q", got)
	}
	if got := titles.title(ctx, bundled.PlanID); got == bundled.PlanID || got == "" {
		t.Errorf("the bundled plan is named %q, want its title", got)
	}
}
