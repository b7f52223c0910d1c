package console

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"

	"lianxi/taskclient"
)

// bar is one bar of a server-drawn chart: an SVG rect whose geometry the
// server computes, so the page needs no script (the CSP allows none).
type bar struct {
	Label, Color string
	Value        int
	X, Y, W, H   int
	// TextY is the baseline of the bar's label and value, ValueX where its
	// value starts, Font their size in pixels (0 for a bar drawn without
	// them).
	TextY, ValueX, Font int
}

// chart is one horizontal bar chart for one row (a ministry, a section).
type chart struct {
	Title  string
	Bars   []bar
	Height int
	// Note is text shown after the bars (a median, a percentage).
	Note string
}

// Series colours and names of the per-ministry chart.
var ministrySeries = []struct{ Label, Color string }{
	{"牵头", "#1565c0"}, {"会签", "#6a8caf"}, {"待办", "#e0b000"}, {"超期", "#c62828"}, {"办结", "#2e7d32"},
}

// Geometry of the charts, in pixels. Labels are set at chartFont, the
// size of the page's small print, on rows tall enough to hold them; the
// bars start after the widest label (two characters).
const (
	chartWidth  = 360
	chartFont   = 13
	chartRow    = chartFont + 6
	chartLabelW = 2*chartFont + 8
	// chartValueW leaves room after the longest bar for its value.
	chartValueW = 4 * chartFont
)

// ministryCharts draws each ministry's five figures as bars on one scale.
func ministryCharts(st Stats) []chart {
	maxV := 1
	for _, m := range st.Ministries {
		maxV = max(maxV, m.Led, m.CoSigned, m.Pending, m.Overdue, m.Closed)
	}
	var out []chart
	for _, m := range st.Ministries {
		c := chart{Title: m.Name, Height: 5 * chartRow}
		if m.MedianDaysToAnswer >= 0 {
			c.Note = "答复中位 " + strconv.FormatFloat(m.MedianDaysToAnswer, 'f', -1, 64) + " 天"
		}
		for i, v := range []int{m.Led, m.CoSigned, m.Pending, m.Overdue, m.Closed} {
			y, w := i*chartRow, v*(chartWidth-chartLabelW-chartValueW)/maxV
			c.Bars = append(c.Bars, bar{Label: ministrySeries[i].Label, Color: ministrySeries[i].Color, Value: v,
				X: chartLabelW, Y: y + 2, W: w, H: chartRow - 4,
				TextY: y + chartFont + 1, ValueX: chartLabelW + w + 4, Font: chartFont})
		}
		out = append(out, c)
	}
	return out
}

// sectionCharts draws each section's closed, open and cancelled tasks as
// one stacked bar.
func sectionCharts(st Stats) []chart {
	maxV := 1
	for _, s := range st.Sections {
		maxV = max(maxV, s.Tasks)
	}
	var out []chart
	for _, s := range st.Sections {
		c := chart{Title: "（" + s.Section + "）", Height: 14, Note: "办结 " + strconv.Itoa(s.Percent) + "%"}
		x := 0
		for _, p := range []bar{{Label: "办结", Color: "#2e7d32", Value: s.Closed}, {Label: "在办", Color: "#e0b000", Value: s.Open}, {Label: "撤销", Color: "#9e9e9e", Value: s.Cancelled},
			{Label: "终止", Color: "#b71c1c", Value: s.Ended}} {
			if p.Value == 0 && p.Label == "终止" {
				continue
			}
			p.X, p.Y, p.H, p.W = x, 0, 14, p.Value*chartWidth/maxV
			x += p.W
			c.Bars = append(c.Bars, p)
		}
		out = append(out, c)
	}
	return out
}

type statsData struct {
	Plans      []string
	Plan       string
	Stats      Stats
	Ministries []chart
	Sections   []chart
	Series     []struct{ Label, Color string }
}

// statsPage shows a plan's figures as charts; the first plan by default.
func (s *Server) statsPage(t *template.Template) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, sess session) error {
		d := statsData{Plan: r.URL.Query().Get("plan"), Series: ministrySeries}
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
			if d.Stats, err = s.planStats(r.Context(), d.Plan); err != nil {
				return err
			}
			d.Ministries, d.Sections = ministryCharts(d.Stats), sectionCharts(d.Stats)
		}
		s.render(w, t, s.view(sess, "统计", r, d))
		return nil
	}
}
