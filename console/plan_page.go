package console

import (
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"lianxi/console/api"
	"lianxi/console/reports"
	"lianxi/domain"
	"lianxi/taskclient"
)

// planData is a plan's overview: its tasks by status and by section, the
// overdue ones, and the open ones by days left.
type planData struct {
	Plan     string
	Tasks    int
	ByStatus []statusCount
	Sections []sectionRow
	// Overdue are the open tasks past due, the longest overdue first.
	Overdue []dueRow
	// Open are the open tasks by days to due, the soonest first.
	Open []dueRow
}

type statusCount struct {
	Status, Label string
	Count         int
	// Percent of the plan's tasks, for the bar's width.
	Percent int
}

// sectionRow counts one section's tasks.
type sectionRow struct {
	Section                                     string
	Tasks, Signing, InReview, Closed, Cancelled int
	Overdue                                     int
	// Percent is the share closed among those not cancelled.
	Percent int
}

// dueRow is an open task with its days to due (negative when overdue).
type dueRow struct {
	taskclient.Summary
	Days int
}

// DaysLabel says how long is left, or how long it is overdue.
func (r dueRow) DaysLabel() string {
	switch {
	case r.Days < 0:
		return "超期 " + strconv.Itoa(-r.Days) + " 天"
	case r.Days == 0:
		return "今日到期"
	}
	return "剩余 " + strconv.Itoa(r.Days) + " 天"
}

// daysTo counts whole days from now to due, rounding toward the due date's
// side: a task due in 2.5 days has 3 days left, one 0.5 days overdue 1.
func daysTo(now, due time.Time) int {
	d := due.Sub(now).Hours() / 24
	if d >= 0 {
		return int(math.Ceil(d))
	}
	return -int(math.Ceil(-d))
}

// planOverview builds the overview from visibility alone: no workflow is
// queried, so it is as cheap as the dashboard.
func planOverview(planID string, list []taskclient.Summary, now time.Time) planData {
	d := planData{Plan: planID, Tasks: len(list)}
	counts := map[string]int{}
	secs := map[string]*sectionRow{}
	for _, t := range list {
		counts[t.Status]++
		no, _, _ := strings.Cut(t.No, ".")
		sec, ok := secs[no]
		if !ok {
			sec = &sectionRow{Section: no}
			secs[no] = sec
		}
		sec.Tasks++
		switch t.Status {
		case domain.StatusSigning:
			sec.Signing++
		case domain.StatusInReview:
			sec.InReview++
		case domain.StatusClosed:
			sec.Closed++
		case domain.StatusCancelled:
			sec.Cancelled++
		}
		if t.Status != domain.StatusSigning && t.Status != domain.StatusInReview {
			continue
		}
		row := dueRow{Summary: t, Days: daysTo(now, t.Due)}
		if t.Warning == domain.WarningRed || row.Days < 0 {
			sec.Overdue++
			d.Overdue = append(d.Overdue, row)
		}
		d.Open = append(d.Open, row)
	}
	for _, st := range reports.ListedStatuses(counts) {
		c := statusCount{Status: st, Label: statusLabels[st], Count: counts[st]}
		if d.Tasks > 0 {
			c.Percent = c.Count * 100 / d.Tasks
		}
		d.ByStatus = append(d.ByStatus, c)
	}
	for _, sec := range secs {
		if n := sec.Tasks - sec.Cancelled; n > 0 {
			sec.Percent = sec.Closed * 100 / n
		}
		d.Sections = append(d.Sections, *sec)
	}
	slices.SortFunc(d.Sections, func(a, b sectionRow) int { return compareTaskNo(a.Section, b.Section) })
	byDays := func(a, b dueRow) int {
		if a.Days != b.Days {
			return a.Days - b.Days
		}
		return compareTaskNo(a.No, b.No)
	}
	slices.SortStableFunc(d.Overdue, byDays)
	slices.SortStableFunc(d.Open, byDays)
	return d
}

// planPage shows a plan's overview; an unknown plan is not found.
func (s *Server) planPage(t *template.Template) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, sess session) error {
		planID := r.PathValue("plan")
		list, err := s.d.Tasks.List(r.Context(), taskclient.Filter{Plan: planID})
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return &api.Error{Status: http.StatusNotFound, Code: "not_found", Message: "no plan " + planID}
		}
		s.render(w, t, s.view(sess, "规划概览 "+s.titles.title(r.Context(), planID), r, planOverview(planID, list, s.d.Now())))
		return nil
	}
}
