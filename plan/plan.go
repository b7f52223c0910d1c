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
	"lianxi/domain"
	"strings"
)

// Plan is a parsed plan: its sections and numbered tasks.
type Plan struct {
	PlanID   string `json:"plan_id" yaml:"plan_id"`
	Title    string `json:"title" yaml:"title"`
	Encoding string `json:"encoding,omitempty" yaml:"encoding,omitempty"`
	Year     int    `json:"year,omitempty" yaml:"year,omitempty"`
	// LeadRule is the document's own statement of which listed body leads
	// (排在第一位的部门为牵头部门), when it makes one.
	LeadRule string    `json:"lead_rule,omitempty" yaml:"lead_rule,omitempty"`
	Sections []Section `json:"sections" yaml:"sections"`
	Tasks    []Task    `json:"tasks" yaml:"tasks"`
	// Context holds the numbered paragraphs that carry no responsibility
	// clause (总体要求, 指导思想, 基本原则…): kept for the reader, never
	// launched and never counted in the task numbering.
	Context []Paragraph `json:"context,omitempty" yaml:"context,omitempty"`
	// Corrections records every change the office made to what the
	// importer read, such as the title of a damaged heading.
	Corrections []Correction `json:"corrections,omitempty" yaml:"corrections,omitempty"`
	Warnings    []string     `json:"warnings,omitempty" yaml:"warnings,omitempty"`
}

// Section is a group of tasks under a heading. Only headings that hold
// tasks are sections; they are numbered 1, 2, … in order, whatever the
// document's own numbering (kept in OriginalNo).
type Section struct {
	No         int    `json:"no" yaml:"no"`
	OriginalNo string `json:"original_no,omitempty" yaml:"original_no,omitempty"`
	Title      string `json:"title" yaml:"title"`
	// Recovered marks a heading rebuilt from a mis-decoded line.
	Recovered bool `json:"recovered" yaml:"recovered"`
	// Damaged marks a heading the importer could not fully recover: bytes
	// were lost, so Title holds only what was salvaged and Damage says
	// what is missing. The office corrects the title before launch.
	Damaged bool   `json:"damaged,omitempty" yaml:"damaged,omitempty"`
	Damage  string `json:"damage,omitempty" yaml:"damage,omitempty"`
	// Salvaged is the text recovered from a damaged heading, kept after
	// the office corrected Title.
	Salvaged  string `json:"salvaged,omitempty" yaml:"salvaged,omitempty"`
	Corrected bool   `json:"corrected,omitempty" yaml:"corrected,omitempty"`
	Line      int    `json:"line,omitempty" yaml:"line,omitempty"`
}

// Paragraph is a numbered paragraph kept as context: it names no
// responsible body, so it is not a task.
type Paragraph struct {
	OriginalNo string `json:"original_no,omitempty" yaml:"original_no,omitempty"`
	Title      string `json:"title" yaml:"title"`
	Text       string `json:"text,omitempty" yaml:"text,omitempty"`
	Line       int    `json:"line" yaml:"line"`
}

// Correction is one change the office made to the imported plan.
type Correction struct {
	Section int    `json:"section" yaml:"section"`
	Field   string `json:"field" yaml:"field"`
	From    string `json:"from" yaml:"from"`
	To      string `json:"to" yaml:"to"`
}

// Task is one numbered item with its responsibility clause resolved.
//
// No is "<section>.<position>": the section's place among the sections
// that hold tasks, and the task's place in its section. The document's own
// number for the item (which may run on across sections, or be a Chinese
// numeral) is kept in OriginalNo.
type Task struct {
	No           string        `json:"no" yaml:"no"`
	OriginalNo   string        `json:"original_no,omitempty" yaml:"original_no,omitempty"`
	Section      int           `json:"section" yaml:"section"`
	Title        string        `json:"title" yaml:"title"`
	Text         string        `json:"text,omitempty" yaml:"text,omitempty"`
	OriginalText string        `json:"original_text,omitempty" yaml:"original_text,omitempty"`
	Lead         *string       `json:"lead" yaml:"lead"`
	Participants []Participant `json:"participants" yaml:"participants"`
	OpenList     bool          `json:"open_list" yaml:"open_list"`
	Broadcast    bool          `json:"broadcast" yaml:"broadcast"`
	// OpenGroups names groups the clause gives without listing them
	// (各有关省级人民政府, 试点城市政府): the office adds their members.
	OpenGroups []string `json:"open_groups,omitempty" yaml:"open_groups,omitempty"`
	// Notes are the clause's words after its list of bodies (下同, a
	// deadline, a scope), kept as written.
	Notes []string `json:"notes,omitempty" yaml:"notes,omitempty"`
	Line  int      `json:"line" yaml:"line"`
	// Path is the document's own numbering of the task, outermost first
	// (二.(四).10); "#k" marks the k-th clause of an item that assigns
	// several sentences to different bodies.
	Path string `json:"path,omitempty" yaml:"path,omitempty"`
	// Parent is the number of the task this one details: a measure (具体
	// 措施) under an item that carries its own clause.
	Parent string `json:"parent,omitempty" yaml:"parent,omitempty"`
	// Collective names the collective bodies of the clause as written
	// (国务院相关部门, 各地区): a class of bodies, never a participant.
	Collective []string `json:"collective,omitempty" yaml:"collective,omitempty"`
	// Due is the deadline the document sets (YYYY-MM-DD), read from the
	// clause or the sentence beside it; Ongoing marks 持续推进, 长期坚持.
	// Named counts the participants the clause names, first in
	// Participants; a broadcast's expansion follows them.
	Named   int    `json:"named,omitempty" yaml:"named,omitempty"`
	Due     string `json:"due,omitempty" yaml:"due,omitempty"`
	Ongoing bool   `json:"ongoing,omitempty" yaml:"ongoing,omitempty"`
}

// Participant is a ministry on a task.
type Participant struct {
	ID     string `json:"id" yaml:"id"`
	NameZh string `json:"name_zh" yaml:"name_zh"`
	NameEn string `json:"name_en" yaml:"name_en"`
	Role   string `json:"role" yaml:"role"`
	// Unknown marks a unit not in the registry, accepted on request.
	Unknown bool `json:"unknown,omitempty" yaml:"unknown,omitempty"`
}

// Roles of a participant. A co-lead is named with the lead before 牵头
// (A、B牵头): it leads with A in the document's words, and signs as
// co-responsible in the workflow, where one body leads.
// Lead and co are the workflow's own participant roles.
const (
	RoleLead   = domain.RoleLead
	RoleCoLead = "co-lead"
	RoleCo     = domain.RoleCo
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
	if p.Context != nil {
		out.Context = make([]Paragraph, len(p.Context))
		for i, c := range p.Context {
			c.Text = ""
			out.Context[i] = c
		}
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
		if p.PlanID == "" {
			p.PlanID = opts.DefaultPlanID
		}
		if err := p.Validate(); err != nil {
			return nil, err
		}
		return &p, nil
	}
	if opts.PlanID == "" {
		opts.PlanID = opts.DefaultPlanID
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
		case len(t.Participants) == 0 && len(t.Collective) == 0:
			// A task naming only collective bodies is a problem the office
			// settles before launch (ReadyToLaunch), not a broken plan.
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
