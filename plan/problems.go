package plan

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrUnresolved is returned before launch while the plan has problems
// the office has not resolved.
var ErrUnresolved = errors.New("unresolved problems")

// Kinds of problem.
const (
	ProblemDamagedHeading = "damaged-heading"
	ProblemUnknownBody    = "unknown-body"
	ProblemUnassigned     = "unassigned"
)

// Problem is something the importer could not decide and the office must
// before launch; it names where it is.
type Problem struct {
	Kind    string `json:"kind"`
	Line    int    `json:"line,omitempty"`
	Section int    `json:"section,omitempty"`
	Task    string `json:"task,omitempty"`
	// Name is the damaged heading's salvaged text or the unknown name.
	Name string `json:"name,omitempty"`
	// Suggestions are the registry's nearest names for an unknown body.
	Suggestions []string `json:"suggestions,omitempty"`
}

// String says the problem and where it is.
func (p Problem) String() string {
	switch p.Kind {
	case ProblemDamagedHeading:
		return fmt.Sprintf("section %d (line %d) reads only %q", p.Section, p.Line, p.Name)
	case ProblemUnknownBody:
		return fmt.Sprintf("%q (line %d, task %s; nearest: %s) is not in the registry", p.Name, p.Line, p.Task, strings.Join(p.Suggestions, "、"))
	}
	return fmt.Sprintf("task %s (line %d) names only collective bodies (%s): assign it to a body", p.Task, p.Line, p.Name)
}

// Problems lists what stops the plan's launch, in document order within
// each kind: damaged headings not corrected, bodies the registry does not
// know and the office has neither chosen nor accepted, and tasks that
// name no body. An unknown body is listed once, where first met.
func (p *Plan) Problems() []Problem {
	var out []Problem
	for _, s := range p.Uncorrected() {
		out = append(out, Problem{Kind: ProblemDamagedHeading, Line: s.Line, Section: s.No, Name: s.Title})
	}
	reg, _ := DefaultRegistry()
	var seen []string
	for _, t := range p.Tasks {
		for _, pt := range t.Participants {
			if !pt.Unknown || p.accepted(pt) || slices.Contains(seen, pt.NameZh) {
				continue
			}
			seen = append(seen, pt.NameZh)
			pr := Problem{Kind: ProblemUnknownBody, Line: t.Line, Task: t.No, Name: pt.NameZh}
			if reg != nil {
				pr.Suggestions = reg.Nearest(pt.NameZh, 3)
			}
			out = append(out, pr)
		}
	}
	for _, t := range p.Tasks {
		if len(t.Participants) == 0 {
			out = append(out, Problem{Kind: ProblemUnassigned, Line: t.Line, Task: t.No, Name: strings.Join(t.Collective, "、")})
		}
	}
	return out
}

// accepted reports whether the office accepted an unknown body as a new
// participant named as written.
func (p *Plan) accepted(pt Participant) bool {
	for _, c := range p.Corrections {
		if c.Field == FieldBody && c.From == pt.NameZh && c.To == pt.ID {
			return true
		}
	}
	return false
}

// ReadyToLaunch refuses a plan with problems left, naming each: damaged
// headings first (ErrDamagedHeadings), then the others (ErrUnresolved).
func (p *Plan) ReadyToLaunch() error {
	var damaged, other []string
	for _, pr := range p.Problems() {
		if pr.Kind == ProblemDamagedHeading {
			damaged = append(damaged, pr.String())
		} else {
			other = append(other, pr.String())
		}
	}
	var errs []error
	if len(damaged) > 0 {
		errs = append(errs, fmt.Errorf("plan %s: %w: %s; correct each title first (CLI: --section-title N=TITLE)", p.PlanID, ErrDamagedHeadings, strings.Join(damaged, "; ")))
	}
	if len(other) > 0 {
		errs = append(errs, fmt.Errorf("plan %s: %d %w: %s; choose a body for each (CLI: --body NAME=BODY, or --allow-unknown to accept them as written)",
			p.PlanID, len(other), ErrUnresolved, strings.Join(other, "; ")))
	}
	return errors.Join(errs...)
}
