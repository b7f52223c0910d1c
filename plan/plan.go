// Package plan turns action-plan documents into tasks and the ministries
// responsible for them.
//
// Documents arrive as they were published and copied around: UTF-8 or
// GB18030, traditional characters, pinyin glosses after characters
// ("發(fā)展"), headings mis-decoded one byte off. The importer repairs what
// it can, says what it inferred, and keeps the original text of every task
// beside the repaired one for audit.
package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Plan is a parsed plan: its sections and numbered tasks.
type Plan struct {
	PlanID   string    `json:"plan_id"`
	Title    string    `json:"title"`
	Encoding string    `json:"encoding,omitempty"`
	Year     int       `json:"year,omitempty"`
	Sections []Section `json:"sections"`
	Tasks    []Task    `json:"tasks"`
	Warnings []string  `json:"warnings,omitempty"`
}

// Section is a group of tasks under a heading.
type Section struct {
	No    int    `json:"no"`
	Title string `json:"title"`
	// Recovered marks a heading rebuilt from a damaged line; its number
	// was inferred from the order of sections.
	Recovered bool `json:"recovered"`
	Line      int  `json:"line,omitempty"`
}

// Task is one numbered item with its responsibility clause resolved.
type Task struct {
	No           string        `json:"no"`
	Section      int           `json:"section"`
	Title        string        `json:"title"`
	Text         string        `json:"text,omitempty"`
	OriginalText string        `json:"original_text,omitempty"`
	Lead         *string       `json:"lead"`
	Participants []Participant `json:"participants"`
	OpenList     bool          `json:"open_list"`
	Broadcast    bool          `json:"broadcast"`
	Line         int           `json:"line"`
}

// Participant is a ministry on a task.
type Participant struct {
	ID     string `json:"id"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
	Role   string `json:"role"`
	// Unknown marks a unit not in the registry, accepted on request.
	Unknown bool `json:"unknown,omitempty"`
}

// Roles of a participant.
const (
	RoleLead = "lead"
	RoleCo   = "co"
)

// IDs returns the participants' IDs, the lead first.
func (t Task) IDs() []string {
	out := make([]string, 0, len(t.Participants))
	for _, p := range t.Participants {
		out = append(out, p.ID)
	}
	return out
}

// WithoutText returns the plan without the tasks' paragraphs: the facts
// (numbers, titles, ministries, lines) that may be bundled and compared.
func (p *Plan) WithoutText() *Plan {
	out := *p
	out.Tasks = make([]Task, len(p.Tasks))
	for i, t := range p.Tasks {
		t.Text, t.OriginalText = "", ""
		out.Tasks[i] = t
	}
	return &out
}

// Load reads either a structured plan (JSON, as `lianxi plan parse --json`
// writes it) or a plan document, and returns the plan.
func Load(data []byte, opts Options) (*Plan, error) {
	trimmed := strings.TrimSpace(strings.TrimPrefix(string(data), "\uFEFF"))
	if strings.HasPrefix(trimmed, "{") {
		var p Plan
		dec := json.NewDecoder(strings.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("structured plan: %w", err)
		}
		if opts.PlanID != "" {
			p.PlanID = opts.PlanID
		}
		if err := p.Validate(); err != nil {
			return nil, err
		}
		return &p, nil
	}
	return Parse(data, opts)
}

// Validate checks a structured plan before launch.
func (p *Plan) Validate() error {
	var errs []error
	if p.PlanID == "" {
		errs = append(errs, errors.New("plan_id is empty"))
	}
	if len(p.Tasks) == 0 {
		errs = append(errs, errors.New("the plan has no tasks"))
	}
	seen := map[string]bool{}
	for _, t := range p.Tasks {
		switch {
		case t.No == "":
			errs = append(errs, fmt.Errorf("a task (line %d) has no number", t.Line))
		case seen[t.No]:
			errs = append(errs, fmt.Errorf("task %s is listed twice", t.No))
		case len(t.Participants) == 0:
			errs = append(errs, fmt.Errorf("task %s has no participants", t.No))
		case t.Lead != nil && t.Participants[0].ID != *t.Lead:
			errs = append(errs, fmt.Errorf("task %s: the lead %s must be the first participant", t.No, *t.Lead))
		}
		seen[t.No] = true
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("plan %s: %w", p.PlanID, err)
	}
	return nil
}
