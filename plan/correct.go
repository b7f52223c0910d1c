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
