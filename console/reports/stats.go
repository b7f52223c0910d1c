package reports

import (
	"slices"
	"strings"

	"lianxi/domain"
)

// Stats are a plan's figures per ministry and per section, as the office
// reports them; the /stats page draws the same figures as charts.
type Stats struct {
	Plan       string          `json:"plan"`
	Tasks      int             `json:"tasks"`
	Ministries []MinistryStats `json:"ministries"`
	Sections   []SectionStats  `json:"sections"`
}

// MinistryStats count one ministry's tasks in a plan.
type MinistryStats struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Led and CoSigned count the tasks it leads and those it co-signs.
	Led      int `json:"led"`
	CoSigned int `json:"co_signed"`
	// Pending counts open tasks waiting for its answer; Overdue those of
	// them past due.
	Pending int `json:"pending"`
	Overdue int `json:"overdue"`
	// Closed counts its tasks the office closed.
	Closed int `json:"closed"`
	// MedianDaysToAnswer is the median of days from a task's launch to the
	// ministry's current answer, over the tasks it has answered; -1 when it
	// has answered none.
	MedianDaysToAnswer float64 `json:"median_days_to_answer"`
}

// SectionStats count a section's tasks by outcome.
type SectionStats struct {
	Section   string `json:"section"`
	Tasks     int    `json:"tasks"`
	Closed    int    `json:"closed"`
	Cancelled int    `json:"cancelled"`
	Open      int    `json:"open"`
	// Ended counts tasks whose runs ended outside their lifecycle
	// (terminated, timed out, failed): neither open nor finished.
	Ended int `json:"ended"`
	// Percent is the share of closed tasks among those not cancelled.
	Percent int `json:"percent"`
}

// Count makes a plan's figures from the statuses of all its tasks, as the
// workflows answer them; name gives each ministry its name.
func Count(planID string, statuses []domain.TaskStatus, name Names) Stats {
	out := Stats{Plan: planID, Tasks: len(statuses)}
	byID := map[string]*MinistryStats{}
	days := map[string][]float64{}
	secs := map[string]*SectionStats{}
	var order []string
	ministry := func(id string) *MinistryStats {
		if m, ok := byID[id]; ok {
			return m
		}
		m := &MinistryStats{ID: id, Name: name(id)}
		byID[id] = m
		order = append(order, id)
		return m
	}
	for _, st := range statuses {
		open := domain.IsOpen(st.Status)
		for _, p := range st.Participants {
			m := ministry(p.ID)
			if p.Role == domain.RoleLead {
				m.Led++
			} else {
				m.CoSigned++
			}
			if st.Status == domain.StatusClosed {
				m.Closed++
			}
			if p.Answer != nil && !st.StartedAt.IsZero() {
				days[p.ID] = append(days[p.ID], p.Answer.At.Sub(st.StartedAt).Hours()/24)
			}
		}
		if open {
			for _, id := range st.Pending {
				m := ministry(id)
				m.Pending++
				if st.Warning == domain.WarningRed {
					m.Overdue++
				}
			}
		}
		no, _, _ := strings.Cut(st.TaskNo, ".")
		sec, ok := secs[no]
		if !ok {
			sec = &SectionStats{Section: no}
			secs[no] = sec
		}
		sec.Tasks++
		switch {
		case st.Status == domain.StatusClosed:
			sec.Closed++
		case st.Status == domain.StatusCancelled:
			sec.Cancelled++
		case domain.IsOpen(st.Status):
			sec.Open++
		default:
			sec.Ended++
		}
	}
	for _, id := range order {
		m := byID[id]
		m.MedianDaysToAnswer = median(days[id])
		out.Ministries = append(out.Ministries, *m)
	}
	for _, sec := range secs {
		if n := sec.Tasks - sec.Cancelled; n > 0 {
			sec.Percent = sec.Closed * 100 / n
		}
		out.Sections = append(out.Sections, *sec)
	}
	slices.SortFunc(out.Sections, func(a, b SectionStats) int { return CompareTaskNo(a.Section, b.Section) })
	return out
}

// median is the middle of xs, rounded to a tenth of a day; -1 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return -1
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + m) / 2
	}
	return float64(int(m*10+0.5)) / 10
}
