package plan

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrDamagedHeadings is returned before launch while a damaged heading
// has not been corrected.
var ErrDamagedHeadings = errors.New("damaged headings")

// FieldTitle is the field a title correction changes.
const FieldTitle = "title"

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

// ReadyToLaunch refuses a plan with damaged headings still uncorrected,
// naming each with what was recovered of it.
func (p *Plan) ReadyToLaunch() error {
	bad := p.Uncorrected()
	if len(bad) == 0 {
		return nil
	}
	var parts []string
	for _, s := range bad {
		parts = append(parts, fmt.Sprintf("section %d (line %d) reads only %q", s.No, s.Line, s.Title))
	}
	return fmt.Errorf("plan %s: %w: %s; correct each title first (CLI: --section-title N=TITLE)", p.PlanID, ErrDamagedHeadings, strings.Join(parts, "; "))
}
