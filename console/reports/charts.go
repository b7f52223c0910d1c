package reports

import "strconv"

// Bar is one bar of a server-drawn chart: an SVG rect whose geometry the
// server computes, so the page needs no script (the CSP allows none).
type Bar struct {
	Label, Color string
	Value        int
	X, Y, W, H   int
	// TextY is the baseline of the bar's label and value, ValueX where its
	// value starts, Font their size in pixels (0 for a bar drawn without
	// them).
	TextY, ValueX, Font int
}

// Chart is one horizontal bar chart for one row (a ministry, a section).
type Chart struct {
	Title  string
	Bars   []Bar
	Height int
	// Note is text shown after the bars (a median, a percentage).
	Note string
}

// MinistrySeries are the colours and names of the per-ministry chart's
// bars, in their order; the page shows them as its legend.
var MinistrySeries = []struct{ Label, Color string }{
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

// MinistryCharts draws each ministry's five figures as bars on one scale.
func MinistryCharts(st Stats) []Chart {
	maxV := 1
	for _, m := range st.Ministries {
		maxV = max(maxV, m.Led, m.CoSigned, m.Pending, m.Overdue, m.Closed)
	}
	var out []Chart
	for _, m := range st.Ministries {
		c := Chart{Title: m.Name, Height: 5 * chartRow}
		if m.MedianDaysToAnswer >= 0 {
			c.Note = "答复中位 " + strconv.FormatFloat(m.MedianDaysToAnswer, 'f', -1, 64) + " 天"
		}
		for i, v := range []int{m.Led, m.CoSigned, m.Pending, m.Overdue, m.Closed} {
			y, w := i*chartRow, v*(chartWidth-chartLabelW-chartValueW)/maxV
			c.Bars = append(c.Bars, Bar{Label: MinistrySeries[i].Label, Color: MinistrySeries[i].Color, Value: v,
				X: chartLabelW, Y: y + 2, W: w, H: chartRow - 4,
				TextY: y + chartFont + 1, ValueX: chartLabelW + w + 4, Font: chartFont})
		}
		out = append(out, c)
	}
	return out
}

// SectionCharts draws each section's closed, open and cancelled tasks as
// one stacked bar.
func SectionCharts(st Stats) []Chart {
	maxV := 1
	for _, s := range st.Sections {
		maxV = max(maxV, s.Tasks)
	}
	var out []Chart
	for _, s := range st.Sections {
		c := Chart{Title: "（" + s.Section + "）", Height: 14, Note: "办结 " + strconv.Itoa(s.Percent) + "%"}
		x := 0
		for _, p := range []Bar{{Label: "办结", Color: "#2e7d32", Value: s.Closed}, {Label: "在办", Color: "#e0b000", Value: s.Open}, {Label: "撤销", Color: "#9e9e9e", Value: s.Cancelled},
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
