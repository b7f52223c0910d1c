package plan

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Deadlines as plans write them: 2022年10月底前, 2022年底前, 4月底前, 年内,
// 6月30日前, 上半年. A year left out is the document's.
var (
	monthEnd   = regexp.MustCompile(`(?:(\d{4})年)?(\d{1,2})月底前`)
	dayBefore  = regexp.MustCompile(`(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日前`)
	yearEnd    = regexp.MustCompile(`(\d{4})年(?:年)?底前|(\d{4})年内`)
	halfYear   = regexp.MustCompile(`(?:(\d{4})年)?上半年`)
	ongoingRe  = regexp.MustCompile(`持续推进|长期坚持|持续实施|长期推进|持续开展|长期实施`)
	thisYearRe = regexp.MustCompile(`年内|今年底前|年底前`)
)

// readDeadline finds the latest deadline s sets; year is the document's.
// It returns the date (zero when none) and whether s says the work goes on.
func readDeadline(s string, year int) (time.Time, bool) {
	var due time.Time
	later := func(y, m, d int) {
		if y == 0 || m < 1 || m > 12 {
			return
		}
		t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		if d == 0 { // the month's last day
			t = time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC)
		}
		if t.After(due) {
			due = t
		}
	}
	yearOr := func(s string) int {
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
		return year
	}
	for _, m := range monthEnd.FindAllStringSubmatch(s, -1) {
		mo, _ := strconv.Atoi(m[2])
		later(yearOr(m[1]), mo, 0)
	}
	for _, m := range dayBefore.FindAllStringSubmatch(s, -1) {
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		later(yearOr(m[1]), mo, d)
	}
	for _, m := range yearEnd.FindAllStringSubmatch(s, -1) {
		later(yearOr(m[1]+m[2]), 12, 31)
	}
	for _, m := range halfYear.FindAllStringSubmatch(s, -1) {
		later(yearOr(m[1]), 6, 30)
	}
	if due.IsZero() && thisYearRe.MatchString(strings.NewReplacer("年底前", "年底前").Replace(s)) {
		later(year, 12, 31)
	}
	return due, ongoingRe.MatchString(s)
}

// deadline sets a task's due date and ongoing mark from its clause's
// notes, or, when they give no date, from the task's own sentences.
func (b *builder) deadline(t *Task, notes []string, own string) {
	due, ongoing := readDeadline(strings.Join(notes, "，"), b.p.Year)
	if due.IsZero() {
		due, _ = readDeadline(own, b.p.Year)
	}
	if !due.IsZero() {
		t.Due = due.Format(time.DateOnly)
	}
	t.Ongoing = ongoing
}

// DueDate is the task's deadline as a time, zero when it has none.
func (t Task) DueDate() (time.Time, error) {
	if t.Due == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, t.Due)
	if err != nil {
		return time.Time{}, fmt.Errorf("task %s: due date %q: %w", t.No, t.Due, err)
	}
	return d, nil
}
