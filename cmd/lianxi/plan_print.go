package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"lianxi/plan"
)

// printPlan writes the plan as the office reads it in a terminal: sections,
// tasks with their bodies and deadlines, then warnings and the problems
// that stop a launch.
func printPlan(w io.Writer, p *plan.Plan) {
	fmt.Fprintf(w, "plan %s: %s (%d sections, %d tasks, %s)\n", p.PlanID, p.Title, len(p.Sections), len(p.Tasks), p.Encoding)
	if p.LeadRule != "" {
		fmt.Fprintf(w, "lead rule stated by the document: %s\n", p.LeadRule)
	}
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	for _, s := range p.Sections {
		fmt.Fprintf(tw, "\n(%d) %s%s\n", s.No, s.Title, sectionMark(s))
		for _, t := range p.Tasks {
			if t.Section != s.No {
				continue
			}
			no := t.No
			_, inSection, _ := strings.Cut(t.No, ".")
			if t.OriginalNo != "" && t.OriginalNo != inSection {
				no += " [" + t.OriginalNo + "]"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s%s\n", no, t.Title, who(t), due(t))
		}
	}
	tw.Flush()
	if len(p.Context) > 0 {
		fmt.Fprintf(w, "\n%d numbered paragraphs without a responsible body kept as context\n", len(p.Context))
	}
	for _, c := range p.Corrections {
		fmt.Fprintf(w, "correction: section %d %s %q -> %q\n", c.Section, c.Field, c.From, c.To)
	}
	for _, warn := range p.Warnings {
		fmt.Fprintln(w, "warning:", warn)
	}
	// Problems stop the launch until the office settles them.
	for _, pr := range p.Problems() {
		fmt.Fprintln(w, "problem:", pr)
	}
}

// sectionMark says how far a heading could be trusted.
func sectionMark(s plan.Section) string {
	switch {
	case s.Damaged && s.Corrected:
		return fmt.Sprintf(" (DAMAGED, corrected; recovered only %q)", s.Salvaged)
	case s.Damaged:
		return fmt.Sprintf(" (DAMAGED: %s; correct with --section-title %d=TITLE)", s.Damage, s.No)
	case s.Recovered:
		return " (recovered)"
	}
	return ""
}

// due is a task's deadline as the document sets it, if any.
func due(t plan.Task) string {
	switch {
	case t.Due != "" && t.Ongoing:
		return "\tdue " + t.Due + ", ongoing"
	case t.Due != "":
		return "\tdue " + t.Due
	case t.Ongoing:
		return "\tongoing"
	}
	return ""
}

// who lists a task's bodies: the named ones, then the collective bodies,
// then what a broadcast or an open list adds.
func who(t plan.Task) string {
	var names []string
	for i, pt := range t.Participants {
		if i < t.Named || pt.Role == plan.RoleLead || !t.Broadcast {
			names = append(names, pt.NameZh)
		}
	}
	parts := []string{}
	if len(names) > 0 {
		parts = append(parts, strings.Join(names, "、"))
	}
	if len(t.Collective) > 0 {
		parts = append(parts, strings.Join(t.Collective, "、"))
	}
	if t.Broadcast {
		parts = append(parts, fmt.Sprintf("broadcast (%d participants)", len(t.Participants)))
	}
	if len(t.OpenGroups) > 0 {
		parts = append(parts, strings.Join(t.OpenGroups, "、"))
	}
	out := strings.Join(parts, " + ")
	if t.OpenList {
		out += " 等"
	}
	return out
}
