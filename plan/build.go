package plan

import (
	"fmt"
	"slices"
	"strings"
)

// builder walks the classified lines and assembles sections and tasks.
type builder struct {
	p                   *Plan
	reg                 *Registry
	opts                Options
	conv                *textConverter
	taskFam, sectionFam family
	cur                 *Task
	// text and original collect the current task's lines; closed is set
	// once a line ended with its responsibility clause.
	text, original []string
	closed         bool
	items          int
}

func (b *builder) build(lines []line) error {
	for i, l := range lines {
		switch {
		case l.fam == b.taskFam:
			if err := b.finishTask(); err != nil {
				return err
			}
			if len(b.p.Sections) == 0 {
				b.p.Sections = append(b.p.Sections, Section{No: 1, Title: b.p.Title})
			}
			b.items++
			if l.num != b.items {
				b.warn("line %d: item numbered %d is item %d of its section", l.no, l.num, b.items)
			}
			b.cur = &Task{
				No:      fmt.Sprintf("%d.%d", len(b.p.Sections), b.items),
				Section: len(b.p.Sections),
				Line:    l.no,
			}
			b.text, b.original, b.closed = []string{l.rest}, []string{l.original}, l.clause != nil
		case l.fam != famNone && l.fam == b.sectionFam:
			if err := b.finishTask(); err != nil {
				return err
			}
			b.section(l.num, headingTitle(l.rest), false, l.no)
		case l.fam != famNone && l.fam < b.sectionFam:
			if err := b.finishTask(); err != nil {
				return err
			}
			if b.p.Title == "" {
				b.p.Title = headingTitle(l.rest)
			}
		case b.damagedHeading(lines, i):
			if err := b.finishTask(); err != nil {
				return err
			}
			title, num := b.recoverHeading(l)
			b.section(num, title, true, l.no)
		case b.cur != nil && !b.closed:
			b.text = append(b.text, l.text)
			b.original = append(b.original, l.original)
			b.closed = l.clause != nil
		case b.p.Title == "" && len(b.p.Sections) == 0:
			b.p.Title = headingTitle(l.text)
		}
	}
	return b.finishTask()
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

// recoverHeading re-reads a mis-decoded heading; the section number comes
// from the order of sections when the bytes do not give it back.
func (b *builder) recoverHeading(l line) (string, int) {
	num := len(b.p.Sections) + 1
	text := l.text
	if rec, ok := recoverShifted(l.original); ok {
		rec = strings.NewReplacer("?", "", "\uFFFD", "").Replace(rec)
		rec, _ = stripGlosses(rec)
		rec = strayPinyin.ReplaceAllString(rec, "")
		if s, err := b.conv.t2s(rec); err == nil {
			text = s
		}
	}
	if i := strings.IndexAny(text, "（("); i >= 0 && i <= 6 {
		text = text[i:]
	}
	if fam, n, rest := classify(text); fam == b.sectionFam && n == num {
		return headingTitle(plausible(rest)), num
	}
	title := plausible(text)
	title = strings.TrimLeft(title, "（()）！!、 ")
	b.warn("line %d: damaged heading recovered as section %d %q; check its title", l.no, num, headingTitle(title))
	return headingTitle(title), num
}

func (b *builder) section(num int, title string, recovered bool, lineNo int) {
	no := len(b.p.Sections) + 1
	if !recovered && num != no {
		b.warn("line %d: section numbered %d is section %d in order", lineNo, num, no)
	}
	b.p.Sections = append(b.p.Sections, Section{No: no, Title: title, Recovered: recovered, Line: lineNo})
	b.items = 0
}

// finishTask resolves the current task's clause and files it.
func (b *builder) finishTask() error {
	t := b.cur
	if t == nil {
		return nil
	}
	b.cur = nil
	t.Text, t.OriginalText = strings.Join(b.text, "\n"), strings.Join(b.original, "\n")
	inner, before, ok := trailingBracket(t.Text)
	var c clause
	if ok {
		c, ok = parseClause(inner)
	}
	if !ok {
		return fmt.Errorf("parse plan: line %d: task %s has no responsibility clause at its end, such as （A、B等负责）", t.Line, t.No)
	}
	t.Text = strings.TrimSpace(before)
	t.Title = firstSentence(t.Text)
	t.OpenList = c.open
	if err := b.resolve(t, c); err != nil {
		return err
	}
	b.p.Tasks = append(b.p.Tasks, *t)
	return nil
}

// resolve turns the clause's unit names into participants.
func (b *builder) resolve(t *Task, c clause) error {
	seen := map[string]bool{}
	add := func(m Ministry, role string, unknown bool) {
		if seen[m.ID] {
			return
		}
		seen[m.ID] = true
		t.Participants = append(t.Participants, Participant{ID: m.ID, NameZh: m.Short, NameEn: m.English, Role: role, Unknown: unknown})
	}
	names := append(slices.Clone(c.leads), c.units...)
	for i, name := range names {
		m, ok := b.reg.Lookup(name)
		if !ok {
			if !b.opts.AllowUnknown {
				return fmt.Errorf("parse plan: line %d: task %s names %q, which is not in the ministry registry (nearest: %s); fix the document or pass --allow-unknown",
					t.Line, t.No, name, strings.Join(b.reg.Nearest(name, 3), "、"))
			}
			m = Ministry{ID: "unknown-" + name, Short: name}
			b.warn("line %d: task %s: %q is not in the registry; added as an unknown participant", t.Line, t.No, name)
		}
		role := RoleCo
		if i == 0 && (len(c.leads) > 0 || !(c.departments || c.provinces)) {
			role = RoleLead
		}
		add(m, role, !ok)
	}
	t.Broadcast = c.departments || c.provinces
	if c.departments {
		for _, m := range b.reg.Select(b.p.Year, Ministry.Central) {
			add(m, RoleCo, false)
		}
	}
	if c.provinces {
		for _, m := range b.reg.Select(b.p.Year, func(m Ministry) bool { return m.Kind == KindProvince }) {
			add(m, RoleCo, false)
		}
	}
	if len(t.Participants) > 0 && t.Participants[0].Role == RoleLead {
		id := t.Participants[0].ID
		t.Lead = &id
	}
	return nil
}

func (b *builder) warn(format string, args ...any) {
	b.p.Warnings = append(b.p.Warnings, fmt.Sprintf(format, args...))
}
