package plan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// finishItem files the current item: a task when it carries at least one
// responsibility clause, context when it carries none and its section has
// no task yet; a clause-less item after a task is an error.
func (b *builder) finishItem() error {
	it := b.cur
	if it == nil {
		return nil
	}
	b.cur = nil
	text, original := strings.Join(b.text, "\n"), strings.Join(b.original, "\n")
	clauses, rest := findClauses(text)
	prevNum := b.lastNum
	b.lastNum = it.num
	if len(clauses) == 0 {
		if b.items > 0 && b.pending == nil {
			return fmt.Errorf("parse plan: line %d: task %d.%d has no responsibility clause at its end, such as （A、B等负责）",
				it.line, len(b.p.Sections), b.items+1)
		}
		b.p.Context = append(b.p.Context, Paragraph{OriginalNo: it.label, Title: firstSentence(text), Text: text, Line: it.line})
		b.warnCapped("context", "line %d: item %s names no responsible body: kept as context, not a task", it.line, written(it.label))
		return nil
	}
	sec := b.section()
	b.items++
	t := &Task{
		No:           fmt.Sprintf("%d.%d", sec, b.items),
		OriginalNo:   it.label,
		Section:      sec,
		Line:         it.line,
		Text:         strings.TrimSpace(rest),
		OriginalText: original,
	}
	t.Title = firstSentence(t.Text)
	b.checkNumber(t, it, prevNum)
	c := clauses[0]
	if len(clauses) > 1 {
		c = merge(clauses)
		b.warnCapped("merged", "line %d: task %s has %d responsibility clauses: all their bodies are kept; the first clause's first body leads, the others are co-responsible",
			t.Line, t.No, len(clauses))
	}
	if c.leadRule != "" && b.p.LeadRule == "" {
		b.p.LeadRule = c.leadRule
		b.warn("line %d: the document states its lead rule, %q: the first body listed leads", t.Line, c.leadRule)
	}
	t.OpenList = c.open
	t.OpenGroups, t.Notes = c.groups, c.notes
	b.resolve(t, c)
	b.p.Tasks = append(b.p.Tasks, *t)
	return nil
}

// checkNumber compares the document's number for the item with its place.
func (b *builder) checkNumber(t *Task, it *item, prevNum int) {
	switch {
	case it.inferred:
		t.OriginalNo = ""
		b.warnCapped("inferred", "line %d: a paragraph with a responsibility clause has no number (lost, or a sub-paragraph): taken as task %s", it.line, t.No)
	case it.num == b.items:
	case it.num == prevNum+1:
		if !b.runOnWarned {
			b.runOnWarned = true
			b.warn("line %d: the document numbers its items on across sections or after context (item %s is task %s); task numbers restart in each section, the document's numbers are kept in original_no",
				it.line, written(it.label), t.No)
		}
	default:
		b.warnCapped("item-number", "line %d: item numbered %s is task %s", it.line, written(it.label), t.No)
	}
}

// unknownUse is a name missing from the registry, where it was first met.
type unknownUse struct {
	name, task string
	line       int
}

// resolve turns the clause's unit names into participants. The first
// named body leads; a clause that names no body (a broadcast alone) has no
// lead.
func (b *builder) resolve(t *Task, c clause) {
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
			b.noteUnknown(name, t)
			m = Ministry{ID: "unknown-" + name, Short: name}
		}
		role := RoleCo
		if i == 0 {
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
}

func (b *builder) noteUnknown(name string, t *Task) {
	for _, u := range b.unknown {
		if u.name == name {
			return
		}
	}
	b.unknown = append(b.unknown, unknownUse{name: name, task: t.No, line: t.Line})
	if b.opts.AllowUnknown {
		b.warn("line %d: task %s: %q is not in the registry; kept as written, as an unknown participant", t.Line, t.No, name)
	}
}

// unknownError lists every unknown body at once, each with the registry's
// nearest names, unless unknown bodies are allowed.
func (b *builder) unknownError() error {
	if len(b.unknown) == 0 || b.opts.AllowUnknown {
		return nil
	}
	var parts []string
	for _, u := range b.unknown {
		parts = append(parts, fmt.Sprintf("%q (line %d, task %s; nearest: %s)", u.name, u.line, u.task, strings.Join(b.reg.Nearest(u.name, 3), "、")))
	}
	return fmt.Errorf("parse plan: %s not in the ministry registry: %s; fix the document or pass --allow-unknown to keep them as written",
		plural(len(b.unknown), "body is", "bodies are"), strings.Join(parts, ", "))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
