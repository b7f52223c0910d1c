package starter

import (
	"lianxi/config"
	"lianxi/domain"
	"lianxi/plan"
)

// KnownIn is the registry check Launch uses for participants.
func KnownIn(reg *plan.Registry) func(string) bool {
	return func(id string) bool { _, ok := reg.ByID(id); return ok }
}

// Specs turns a parsed plan into task specs, with the configured default
// periods for everything the plan leaves open.
func Specs(p *plan.Plan, d config.TaskDefaults) []domain.TaskSpec {
	out := make([]domain.TaskSpec, 0, len(p.Tasks))
	for _, t := range p.Tasks {
		s := domain.TaskSpec{
			PlanID: p.PlanID, PlanTitle: p.Title, TaskNo: t.No, Title: t.Title, Text: t.Text,
			Participants: t.IDs(), OpenList: t.OpenList,
			SignOffPeriod: d.SignOffPeriod, ReviewPeriod: d.ReviewPeriod,
			ReminderInterval: d.ReminderInterval, WarningWindow: d.WarningWindow,
		}
		if t.Lead != nil {
			s.Lead = *t.Lead
		}
		out = append(out, s)
	}
	return out
}
