package console

import (
	"html/template"
	"net/http"
	"slices"

	"lianxi/console/reports"
	"lianxi/taskclient"
)

// statsData is what the /stats page shows: the plans to choose from and
// the chosen plan's figures, as numbers and as charts.
type statsData struct {
	Plans      []string
	Plan       string
	Stats      reports.Stats
	Ministries []reports.Chart
	Sections   []reports.Chart
	Series     []struct{ Label, Color string }
}

// statsPage shows a plan's figures as charts; the first plan by default.
func (s *Server) statsPage(t *template.Template) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, sess session) error {
		d := statsData{Plan: r.URL.Query().Get("plan"), Series: reports.MinistrySeries}
		all, err := s.d.Tasks.List(r.Context(), taskclient.Filter{})
		if err != nil {
			return err
		}
		for _, task := range all {
			if !slices.Contains(d.Plans, task.Plan) {
				d.Plans = append(d.Plans, task.Plan)
			}
		}
		slices.Sort(d.Plans)
		if d.Plan == "" && len(d.Plans) > 0 {
			d.Plan = d.Plans[0]
		}
		if d.Plan != "" {
			if d.Stats, err = s.api.PlanStats(r.Context(), d.Plan); err != nil {
				return err
			}
			d.Ministries, d.Sections = reports.MinistryCharts(d.Stats), reports.SectionCharts(d.Stats)
		}
		s.render(w, t, s.view(sess, "统计", r, d))
		return nil
	}
}
