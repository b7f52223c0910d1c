package cycles

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Request is a cycle as the API and the CLI spell it: words and day counts
// rather than calendar ranges and nanoseconds.
type Request struct {
	ID string `json:"id"`
	// Every is "month" (default) or "quarter" (each quarter's last month).
	Every string `json:"every,omitempty"`
	// Months, when set, are the months of the rounds instead of Every.
	Months []int `json:"months,omitempty"`
	Day    int   `json:"day"`
	Hour   int   `json:"hour,omitempty"`
	// Window and RemindBefore are durations: "10d", "36h".
	Window       string `json:"window"`
	RemindBefore string `json:"remind_before,omitempty"`
	Reporters    string `json:"reporters,omitempty"`
	// EverySeconds runs a drill: a round every so many seconds.
	EverySeconds int `json:"every_seconds,omitempty"`
}

// Cycle reads the request as the plan's cycle.
func (q Request) Cycle(planID string) (Cycle, error) {
	c := Cycle{PlanID: planID, ID: q.ID, Reporters: q.Reporters}
	switch {
	case q.EverySeconds > 0:
		c.Calendar = Calendar{EverySeconds: q.EverySeconds}
	case len(q.Months) > 0:
		c.Calendar = Calendar{Months: q.Months, Days: []int{q.Day}, Hour: q.Hour}
	case q.Every == "" || q.Every == "month":
		c.Calendar = Monthly(q.Day)
	case q.Every == "quarter":
		c.Calendar = Quarterly(q.Day)
	default:
		return c, fmt.Errorf("every must be month or quarter, not %q", q.Every)
	}
	c.Calendar.Hour = q.Hour
	var err error
	if c.Window, err = ParseDays(q.Window); err != nil {
		return c, fmt.Errorf("window: %w", err)
	}
	if q.RemindBefore != "" {
		if c.RemindBefore, err = ParseDays(q.RemindBefore); err != nil {
			return c, fmt.Errorf("remind_before: %w", err)
		}
	}
	return c, nil
}

// ParseDays reads a duration written as days ("10d") or as Go writes one
// ("36h", "90s").
func ParseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("%q is not a number of days (e.g. 10d)", s)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (e.g. 10d or 36h)", s)
	}
	return d, nil
}

// Zh writes the calendar for the office's pages: "每月25日", "每年3、6、9、12月25日".
func (c Calendar) Zh() string {
	if c.EverySeconds > 0 {
		return fmt.Sprintf("每%d秒（演练）", c.EverySeconds)
	}
	days := make([]string, len(c.Days))
	for i, d := range c.Days {
		days[i] = strconv.Itoa(d)
	}
	at := ""
	if c.Hour != 0 {
		at = fmt.Sprintf("%d时（协调世界时）", c.Hour)
	}
	if len(c.Months) == 0 {
		return "每月" + strings.Join(days, "、") + "日" + at
	}
	months := make([]string, len(c.Months))
	for i, m := range c.Months {
		months[i] = strconv.Itoa(m)
	}
	return "每年" + strings.Join(months, "、") + "月" + strings.Join(days, "、") + "日" + at
}

// DurationZh writes a window or a reminder in days, hours or seconds.
func DurationZh(d time.Duration) string {
	switch {
	case d == 0:
		return "无"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d天", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d小时", d/time.Hour)
	}
	return fmt.Sprintf("%d秒", d/time.Second)
}
