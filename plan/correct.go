package plan

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ErrDamagedHeadings is returned before launch while a damaged heading
// has not been corrected.
var ErrDamagedHeadings = errors.New("damaged headings")

// Fields a correction changes: a section's title, or the body a name in
// the document stands for (To is a registry ID, or "unknown-NAME" for a
// body accepted as a new participant named as written).
const (
	FieldTitle = "title"
	FieldBody  = "body"
)

// CorrectSectionTitle sets the title of section no and records the change
// in p.Corrections, so that the plan says what the office changed and what
// the importer had read. Correcting a title to what it already is records
// nothing.
func (p *Plan) CorrectSectionTitle(no int, title string) error {
	title = strings.TrimSpace(title)
	if title == "" {
		return fmt.Errorf("section %d: the corrected title is empty", no)
	}
	for i := range p.Sections {
		s := &p.Sections[i]
		if s.No != no {
			continue
		}
		if s.Title == title {
			return nil
		}
		p.Corrections = append(p.Corrections, Correction{Section: no, Field: FieldTitle, From: s.Title, To: title})
		if s.Damaged && s.Salvaged == "" {
			s.Salvaged = s.Title
		}
		s.Title, s.Corrected = title, true
		return nil
	}
	return fmt.Errorf("there is no section %d (the plan has %d)", no, len(p.Sections))
}

// ParseSectionTitle reads a correction written N=TITLE, as the CLI's
// --section-title takes it.
func ParseSectionTitle(s string) (int, string, error) {
	num, title, ok := strings.Cut(s, "=")
	no, err := strconv.Atoi(strings.TrimSpace(num))
	if !ok || err != nil || no < 1 || strings.TrimSpace(title) == "" {
		return 0, "", fmt.Errorf("section title %q: write it as N=TITLE, for example 2=强化创新驱动", s)
	}
	return no, strings.TrimSpace(title), nil
}

// Uncorrected returns the damaged sections whose title the office has not
// corrected yet.
func (p *Plan) Uncorrected() []Section {
	var out []Section
	for _, s := range p.Sections {
		if s.Damaged && !s.Corrected {
			out = append(out, s)
		}
	}
	return out
}

// CorrectBody settles what a name in the document stands for, in every
// task that names it, and records the choice in p.Corrections so that a
// relaunch gives the same plan. body is a registry name or ID, or "new"
// to accept the name as a new participant named as written; a nil reg is
// the embedded registry.
func (p *Plan) CorrectBody(name, body string, reg *Registry) error {
	name, body = strings.TrimSpace(name), strings.TrimSpace(body)
	if reg == nil {
		var err error
		if reg, err = DefaultRegistry(); err != nil {
			return err
		}
	}
	var m Ministry
	if body != "new" {
		var ok bool
		if m, ok = reg.ByID(body); !ok {
			if m, ok = reg.Lookup(body); !ok {
				return fmt.Errorf("body %q: %q is not in the registry (nearest: %s); give a registry name or ID, or new",
					name, body, strings.Join(reg.Nearest(body, 3), "、"))
			}
		}
	}
	found := false
	for i := range p.Tasks {
		t := &p.Tasks[i]
		for j := range t.Participants {
			pt := &t.Participants[j]
			if pt.NameZh != name && !(pt.Unknown && pt.ID == "unknown-"+name) {
				continue
			}
			found = true
			if body == "new" {
				pt.ID, pt.NameZh, pt.Unknown = "unknown-"+name, name, true
				continue
			}
			pt.ID, pt.NameZh, pt.NameEn, pt.Unknown = m.ID, m.Short, m.English, false
		}
		t.Participants = slices.CompactFunc(t.Participants, func(a, b Participant) bool { return a.ID == b.ID })
		if t.Lead != nil && len(t.Participants) > 0 {
			id := t.Participants[0].ID
			t.Lead = &id
		}
	}
	if !found {
		return fmt.Errorf("body %q: no task names it", name)
	}
	to := m.ID
	if body == "new" {
		to = "unknown-" + name
	}
	p.Corrections = append(p.Corrections, Correction{Field: FieldBody, From: name, To: to})
	return nil
}

// ParseBody reads a body correction written NAME=BODY, as the CLI's
// --body takes it.
func ParseBody(s string) (name, body string, err error) {
	name, body, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(name) == "" || strings.TrimSpace(body) == "" {
		return "", "", fmt.Errorf("body %q: write it as NAME=BODY (a registry name or ID, or new), for example 国家粮食和储备局=粮食和储备局", s)
	}
	return strings.TrimSpace(name), strings.TrimSpace(body), nil
}
