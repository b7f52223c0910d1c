package plan

import (
	"fmt"
	"regexp"
	"strings"
)

// builder walks the classified lines and assembles sections and tasks.
//
// Numbering rule: a task's No is "<section>.<position>", where section is
// the document's own number of the heading (二 stays 2 when 一 holds no
// task) and position counts the tasks of the section. Numbered paragraphs
// without a responsibility clause before a section's first task are
// context: they take no number, and a heading with no tasks under it is
// not a section. The document's own numbers are kept in OriginalNo, its
// whole numbering path in Path.
type builder struct {
	p                   *Plan
	reg                 *Registry
	opts                Options
	conv                *textConverter
	taskFam, sectionFam family
	// cur is the item being read; text and original collect its lines;
	// closed is set once a line ended with its responsibility clause.
	cur            *item
	text, original []string
	closed         bool
	// pending is the heading read last; it becomes a section with its
	// first task. items counts the tasks of the current section.
	pending *Section
	items   int
	// lastNum is the document's number of the last item of the task
	// family (task or context), to tell numbering that runs on across
	// sections from numbering that starts again in each.
	lastNum     int
	runOnWarned bool
	numbers     numberWatch
	titleLines  []string
	titleClosed bool
	unknown     []unknownUse
	warnCounts  map[string]int
	// labels is the numbering path of the line read last, by family.
	labels [famParenAr + 1]string
	// lastHeading is the number of the last heading of the section
	// family; parent is the number of the heading's own task, if any.
	lastHeading int
	parent      string
}

// item is a numbered paragraph being read.
type item struct {
	label string
	num   int
	line  int
	// inferred marks an item whose number was lost.
	inferred bool
	// path is the document's numbering path of the item.
	path string
	// heading marks a section heading that carries its own clause: a
	// task whose measures follow as the section's tasks.
	heading bool
}

var docNumber = regexp.MustCompile(`〔\d{4}〕\d+号`)

func (b *builder) build(lines []line) error {
	for i, l := range lines {
		b.numbers.see(l)
		b.see(l)
		switch {
		case l.fam == b.taskFam:
			if err := b.finishItem(); err != nil {
				return err
			}
			b.startItem(l, item{label: label(l), num: l.num, line: l.no, path: b.path(l.fam)})
		case l.fam != famNone && l.fam == b.sectionFam:
			if err := b.finishItem(); err != nil {
				return err
			}
			b.heading(&Section{OriginalNo: label(l), Title: headingTitle(firstSentence(l.rest)), Line: l.no})
			if cs, _ := findClauses(l.rest); len(cs) > 0 {
				b.startItem(l, item{label: label(l), num: l.num, line: l.no, path: b.path(l.fam), heading: true})
			}
		case l.fam != famNone && l.fam < b.sectionFam:
			if err := b.finishItem(); err != nil {
				return err
			}
			b.closeTitle()
			b.dropEmptyHeading()
			b.lastHeading = 0
			if b.p.Title == "" {
				b.p.Title = headingTitle(l.rest)
			}
		case b.damagedHeading(lines, i):
			if err := b.finishItem(); err != nil {
				return err
			}
			b.damaged(l)
		case b.cur != nil && !b.closed:
			b.text = append(b.text, l.text)
			b.original = append(b.original, l.original)
			b.closed = l.clause != nil
		case b.cur != nil && b.closed && l.clause != nil && l.fam == famNone:
			// A paragraph with its own clause right after a task: an item
			// whose number was lost.
			if err := b.finishItem(); err != nil {
				return err
			}
			b.startItem(l, item{num: b.lastNum + 1, line: l.no, inferred: true, path: b.path(b.taskFam)})
		case b.cur == nil && len(b.p.Sections) == 0 && b.pending == nil:
			b.titleLine(l.text)
		}
	}
	if err := b.finishItem(); err != nil {
		return err
	}
	b.dropEmptyHeading()
	b.numbers.report(b)
	b.reportCapped()
	return nil
}

func (b *builder) startItem(l line, it item) {
	b.closeTitle()
	b.cur = &it
	b.text, b.original, b.closed = []string{l.rest}, []string{l.original}, l.clause != nil
	if it.inferred {
		b.text = []string{l.text}
	}
}

// titleLine collects the document's title: the unnumbered lines at its
// top, up to its document number or addressee line.
func (b *builder) titleLine(s string) {
	switch {
	case b.titleClosed || b.p.Title != "" && len(b.titleLines) == 0:
	case docNumber.MatchString(s) || strings.HasSuffix(s, "：") || len([]rune(s)) > 40:
		b.closeTitle()
	default:
		b.titleLines = append(b.titleLines, headingTitle(s))
	}
}

func (b *builder) closeTitle() {
	if !b.titleClosed && b.p.Title == "" && len(b.titleLines) > 0 {
		b.p.Title = strings.Join(b.titleLines, "")
	}
	b.titleClosed = true
}

// damagedHeading reports a line that is not numbered but stands where a
// section heading belongs: right before a task item numbered 1.
func (b *builder) damagedHeading(lines []line, i int) bool {
	if lines[i].fam != famNone || lines[i].clause != nil || i+1 >= len(lines) {
		return false
	}
	next := lines[i+1]
	return next.fam == b.taskFam && next.num == 1 && (b.cur != nil || len(b.p.Sections) == 0 && strings.HasPrefix(lines[i].original, "?"))
}

// damaged reads a mis-decoded heading; what could not be recovered is
// always reported, and the office corrects the title before launch.
func (b *builder) damaged(l line) {
	// The heading's number was lost with its bytes: it is the next one.
	num := b.lastHeading + 1
	b.lastHeading = num
	r := b.recoverHeading(l, num)
	b.numbers.number(b.sectionFam, num, l.no)
	s := &Section{OriginalNo: r.numeral, Title: r.title, Recovered: true, Line: l.no}
	if len(r.damage) == 0 {
		b.warnCapped("recovered", "line %d: heading re-read from mis-decoded bytes as section %d %q", l.no, num, r.title)
	} else {
		s.Damaged, s.Damage, s.Salvaged = true, strings.Join(r.damage, "; "), r.title
		b.warnCapped("damaged", "line %d: section %d heading is damaged (%s); only %q was recovered: correct its title before launch (--section-title %d=TITLE)",
			l.no, num, s.Damage, r.title, num)
	}
	b.heading(s)
}

// heading starts a new group; the previous one, if it held no task, is
// kept as context.
func (b *builder) heading(s *Section) {
	b.closeTitle()
	b.dropEmptyHeading()
	b.pending = s
	b.items = 0
	b.parent = ""
	if n := parseNumeral(strings.Trim(s.OriginalNo, "（）")); n > 0 {
		b.lastHeading = n
	}
}

func (b *builder) dropEmptyHeading() {
	if b.pending == nil {
		return
	}
	s := b.pending
	b.pending = nil
	if s.Damaged {
		b.warnCapped("damaged", "line %d: damaged heading %q holds no tasks; dropped", s.Line, s.Title)
		return
	}
	b.p.Context = append(b.p.Context, Paragraph{OriginalNo: s.OriginalNo, Title: s.Title, Line: s.Line})
	b.warnCapped("context", "line %d: heading %s%s holds no tasks: kept as context, not a section", s.Line, written(s.OriginalNo), s.Title)
}

// section returns the current section, opening the pending heading (or a
// section named after the plan when the document has no headings).
func (b *builder) section() int {
	if b.pending != nil {
		s := *b.pending
		b.pending = nil
		s.No = b.lastHeading
		if n := len(b.p.Sections); n > 0 && s.No <= b.p.Sections[n-1].No {
			s.No = b.p.Sections[n-1].No + 1
		}
		b.p.Sections = append(b.p.Sections, s)
	} else if len(b.p.Sections) == 0 {
		b.p.Sections = append(b.p.Sections, Section{No: 1, Title: b.p.Title})
	}
	return b.p.Sections[len(b.p.Sections)-1].No
}

// written is a number as the document writes it: （一）, 一、, 1.
func written(label string) string {
	switch {
	case label == "" || strings.HasPrefix(label, "（"):
		return label
	case label[0] >= '0' && label[0] <= '9':
		return label + "."
	}
	return label + "、"
}

func label(l line) string {
	switch l.fam {
	case famParenCN, famParenAr:
		return "（" + l.numeral + "）"
	}
	return l.numeral
}

func (b *builder) warn(format string, args ...any) {
	b.p.Warnings = append(b.p.Warnings, fmt.Sprintf(format, args...))
}

// see records a numbered line's place in the document's numbering path.
func (b *builder) see(l line) {
	if l.fam == famNone {
		return
	}
	b.labels[l.fam] = l.numeral
	for g := l.fam + 1; g <= famParenAr; g++ {
		b.labels[g] = ""
	}
}

// path is the numbering path down to family f: 二.(四).10.
func (b *builder) path(f family) string {
	var parts []string
	for g := famChinese; g <= f; g++ {
		switch {
		case b.labels[g] == "":
		case g == famParenCN || g == famParenAr:
			parts = append(parts, "("+b.labels[g]+")")
		default:
			parts = append(parts, b.labels[g])
		}
	}
	return strings.Join(parts, ".")
}
