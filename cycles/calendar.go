package cycles

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
)

// Calendar is when a cycle's rounds start: at Hour:00 UTC on each of Days
// of each of Months (every month when empty).
type Calendar struct {
	Months []int `json:"months,omitempty"`
	Days   []int `json:"days,omitempty"`
	Hour   int   `json:"hour,omitempty"`
	// EverySeconds, for drills and tests, starts a round every so many
	// seconds instead (it must divide 60).
	EverySeconds int `json:"every_seconds,omitempty"`
}

// Monthly is a round on day of every month.
func Monthly(day int) Calendar { return Calendar{Days: []int{day}} }

// Quarterly is a round on day of each quarter's last month.
func Quarterly(day int) Calendar { return Calendar{Months: []int{3, 6, 9, 12}, Days: []int{day}} }

// spec turns the calendar into a schedule's calendar spec.
func (c Calendar) spec() (client.ScheduleSpec, error) {
	if c.EverySeconds > 0 {
		if 60%c.EverySeconds != 0 {
			return client.ScheduleSpec{}, fmt.Errorf("every_seconds must divide 60, not %d", c.EverySeconds)
		}
		return client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{{
			Second: []client.ScheduleRange{{Start: 0, End: 59, Step: c.EverySeconds}},
			Minute: []client.ScheduleRange{{Start: 0, End: 59}},
			Hour:   []client.ScheduleRange{{Start: 0, End: 23}},
		}}}, nil
	}
	if len(c.Days) == 0 {
		return client.ScheduleSpec{}, fmt.Errorf("a cycle needs its day of the month (e.g. 25)")
	}
	cal := client.ScheduleCalendarSpec{Hour: []client.ScheduleRange{{Start: c.Hour}}}
	if c.Hour < 0 || c.Hour > 23 {
		return client.ScheduleSpec{}, fmt.Errorf("hour must be 0-23, not %d", c.Hour)
	}
	for _, d := range c.Days {
		if d < 1 || d > 31 {
			return client.ScheduleSpec{}, fmt.Errorf("day of the month must be 1-31, not %d", d)
		}
		cal.DayOfMonth = append(cal.DayOfMonth, client.ScheduleRange{Start: d})
	}
	for _, m := range c.Months {
		if m < 1 || m > 12 {
			return client.ScheduleSpec{}, fmt.Errorf("month must be 1-12, not %d", m)
		}
		cal.Month = append(cal.Month, client.ScheduleRange{Start: m})
	}
	return client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{cal}}, nil
}

// String writes the calendar for people: "months 3,6,9,12 day 25 at 00:00".
func (c Calendar) String() string {
	if c.EverySeconds > 0 {
		return "every " + strconv.Itoa(c.EverySeconds) + "s"
	}
	s := "every month"
	if len(c.Months) > 0 {
		s = "months " + ints(c.Months)
	}
	return fmt.Sprintf("%s day %s at %02d:00 UTC", s, ints(c.Days), c.Hour)
}

func ints(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

// Next is the first start of the calendar strictly after t, as the
// schedule computes it (UTC); the zero time when none falls within four
// years (a 31st in months without one). Drills' calendars are not covered.
func (c Calendar) Next(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), c.Hour, 0, 0, 0, time.UTC)
	for i := 0; i < 4*366; i++ {
		d := day.AddDate(0, 0, i)
		if d.After(t) && slices.Contains(c.Days, d.Day()) && (len(c.Months) == 0 || slices.Contains(c.Months, int(d.Month()))) {
			return d
		}
	}
	return time.Time{}
}

// Between lists the calendar's start times in [from, to], in order (UTC).
func (c Calendar) Between(from, to time.Time) []time.Time {
	var out []time.Time
	t := from.UTC().Add(-time.Nanosecond)
	for {
		if c.EverySeconds > 0 {
			step := time.Duration(c.EverySeconds) * time.Second
			t = t.Truncate(step).Add(step)
		} else {
			t = c.Next(t)
		}
		if t.IsZero() || t.After(to) {
			return out
		}
		out = append(out, t)
	}
}
