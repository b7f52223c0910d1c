package cycles

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRequestCycle(t *testing.T) {
	for _, tc := range []struct {
		name    string
		req     Request
		want    Cycle
		wantErr bool
	}{
		{"monthly", Request{ID: "m", Day: 25, Window: "10d"},
			Cycle{PlanID: "p", ID: "m", Calendar: Monthly(25), Window: 240 * time.Hour}, false},
		{"quarterly with reminder", Request{ID: "q", Every: "quarter", Day: 20, Hour: 9, Window: "10d", RemindBefore: "72h", Reporters: "all"},
			Cycle{PlanID: "p", ID: "q", Calendar: Calendar{Months: []int{3, 6, 9, 12}, Days: []int{20}, Hour: 9}, Window: 240 * time.Hour, RemindBefore: 72 * time.Hour, Reporters: "all"}, false},
		{"every week", Request{ID: "w", Every: "week", Day: 1, Window: "1d"}, Cycle{}, true},
		{"window in weeks", Request{ID: "w", Day: 1, Window: "2w"}, Cycle{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.req.Cycle("p")
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCalendarNext(t *testing.T) {
	q := Quarterly(31)
	at := time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
	// Quarters' last months with a 31st: March and December only.
	for _, want := range []time.Time{time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2028, 3, 31, 0, 0, 0, 0, time.UTC)} {
		at = q.Next(at)
		if !at.Equal(want) {
			t.Fatalf("next = %s, want %s", at, want)
		}
	}
	if _, err := (Calendar{Days: []int{32}}).spec(); err == nil {
		t.Error("day 32 made a calendar")
	}
	if _, err := (Calendar{EverySeconds: 7}).spec(); err == nil {
		t.Error("every 7 seconds made a calendar")
	}
}

func TestCalendarZh(t *testing.T) {
	for _, tc := range []struct {
		c    Calendar
		want string
	}{
		{Monthly(25), "每月25日"},
		{Quarterly(20), "每年3、6、9、12月20日"},
		{Calendar{EverySeconds: 10}, "每10秒（演练）"},
	} {
		if got := tc.c.Zh(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.c, got, tc.want)
		}
	}
	if got := DurationZh(240 * time.Hour); got != "10天" {
		t.Errorf("10 days: %q", got)
	}
}
