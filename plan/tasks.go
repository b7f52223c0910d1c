package plan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// finishItem files the current item: a task per responsibility clause
// when it carries clauses, context when it carries none. An item whose
// sentences each end with their own clause gives one task per clause,
// numbered under the item; adjacent clauses with no sentence between them
// are one task with all their bodies.
func (b *builder) finishItem() error {
	it := b.cur
	if it == nil {
		return nil
	}
	b.cur = nil
	text, original := strings.Join(b.text, "\n"), strings.Join(b.original, "\n")
	parts, tail := splitParts(text)
	for _, u := range unreadClauses(text) {
		b.warnCapped("ambiguous", "line %d: item %s: （%s） reads like a responsibility clause but names no body the importer can read: check it", it.line, written(it.label), u)
	}
	prevNum := b.lastNum
	b.lastNum = it.num
	if len(parts) == 0 {
		b.p.Context = append(b.p.Context, Paragraph{OriginalNo: it.label, Title: firstSentence(text), Text: text, Line: it.line})
		if b.items > 0 && b.pending == nil && !it.heading {
			b.warnCapped("context", "line %d: item %s has no responsibility clause at its end, such as （A、B等负责）: kept as context, not a task", it.line, written(it.label))
		} else {
			b.warnCapped("context", "line %d: item %s names no responsible body: kept as context, not a task", it.line, written(it.label))
		}
		return nil
	}
	sec := b.section()
	t := Task{OriginalNo: it.label, Section: sec, Line: it.line, OriginalText: original, Path: it.path, Parent: b.parent}
	if it.heading {
		t.No, t.Parent = strconv.Itoa(sec), ""
		b.parent = t.No
	} else {
		b.items++
		t.No = fmt.Sprintf("%d.%d", sec, b.items)
		b.checkNumber(&t, it, prevNum)
	}
	if !separate(parts) {
		_, rest := findClauses(text)
		t.Text = strings.TrimSpace(rest)
		var own strings.Builder
		for _, p := range parts {
			own.WriteString(p.text)
		}
		b.addTask(t, mergeParts(b, t, parts), own.String())
		return nil
	}
	for k, part := range parts {
		st := t
		st.Text = part.text
		if k == len(parts)-1 {
			st.Text += tail
		}
		switch {
		case it.heading && k > 0:
			// Measures written after the item's own clause, unnumbered.
			b.items++
			st.No, st.Parent = fmt.Sprintf("%d.%d", sec, b.items), t.No
			st.Path = t.Path + "." + measureLabel(part.text, k)
		case !it.heading:
			st.No, st.Path = fmt.Sprintf("%s.%d", t.No, k+1), fmt.Sprintf("%s#%d", t.Path, k+1)
		}
		b.addTask(st, part.c, part.text)
	}
	return nil
}

// addTask completes a task from its clause and files it; own is the text
// its deadline is read from when the clause gives none.
func (b *builder) addTask(t Task, c clause, own string) {
	t.Title = firstSentence(t.Text)
	if c.leadRule != "" && b.p.LeadRule == "" {
		b.p.LeadRule = c.leadRule
		b.warn("line %d: the document states its lead rule, %q: the first body listed leads", t.Line, c.leadRule)
	}
	t.OpenList = c.open
	t.OpenGroups, t.Notes, t.Collective = c.groups, c.notes, c.collective
	b.deadline(&t, c.notes, own)
	b.resolve(&t, c)
	if len(t.Participants) == 0 {
		b.warnCapped("unassigned", "line %d: task %s names only collective bodies (%s): the office assigns it before launch",
			t.Line, t.No, strings.Join(t.Collective, "、"))
	}
	b.p.Tasks = append(b.p.Tasks, t)
}

// mergeParts joins adjacent clauses of one task, with a warning.
func mergeParts(b *builder, t Task, parts []part) clause {
	if len(parts) == 1 {
		return parts[0].c
	}
	cs := make([]clause, len(parts))
	for i, p := range parts {
		cs[i] = p.c
	}
	b.warnCapped("merged", "line %d: task %s has %d responsibility clauses: all their bodies are kept; the first clause's first body leads, the others are co-responsible",
		t.Line, t.No, len(parts))
	return merge(cs)
}

// measureLabel names an unnumbered measure after a parent's clause by its
// leading word (具体措施), or by its place.
func measureLabel(text string, k int) string {
	if head, _, ok := strings.Cut(text, "："); ok && utf8.RuneCountInString(head) <= 6 {
		return head
	}
	return "#" + strconv.Itoa(k+1)
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
		m, ok := b.lookup(name, t)
		if !ok {
			b.noteUnknown(name, t)
			m = Ministry{ID: "unknown-" + name, Short: name}
		}
		role := RoleCo
		switch {
		case i == 0:
			role = RoleLead
		case i < len(c.leads):
			role = RoleCoLead
		}
		add(m, role, !ok)
	}
	t.Broadcast = c.departments || c.provinces
	if t.Broadcast {
		t.Named = len(t.Participants)
	}
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

// lookup finds a named body: by its names, then as a near form of one
// (recorded as a correction the office may undo), and in the body that
// carried its work in the document's year.
func (b *builder) lookup(name string, t *Task) (Ministry, bool) {
	m, ok := b.reg.Lookup(name)
	if !ok {
		if m, ok = b.reg.Resolve(name); !ok {
			return Ministry{}, false
		}
		if b.corrected(name, m.ID) {
			b.p.Corrections = append(b.p.Corrections, Correction{Field: FieldBody, From: name, To: m.ID})
			b.warn("line %d: task %s: %q is not in the registry; read as %s (%s), its nearest name: correct it if that is wrong",
				t.Line, t.No, name, m.Short, m.ID)
		}
	}
	if cur := b.reg.Current(m, b.p.Year); cur.ID != m.ID {
		if b.corrected(name, cur.ID) {
			b.p.Corrections = append(b.p.Corrections, Correction{Field: FieldBody, From: name, To: cur.ID})
			b.warn("line %d: task %s: %s became %s in %d; the task goes to %s", t.Line, t.No, m.Short, cur.Short, m.Until, cur.Short)
		}
		m = cur
	}
	return m, true
}

// corrected reports whether the body correction from → to is new.
func (b *builder) corrected(from, to string) bool {
	for _, c := range b.p.Corrections {
		if c.Field == FieldBody && c.From == from && c.To == to {
			return false
		}
	}
	return true
}

func (b *builder) noteUnknown(name string, t *Task) {
	for _, u := range b.unknown {
		if u.name == name {
			return
		}
	}
	b.unknown = append(b.unknown, unknownUse{name: name, task: t.No, line: t.Line})
	if b.opts.AllowUnknown {
		b.p.Corrections = append(b.p.Corrections, Correction{Field: FieldBody, From: name, To: "unknown-" + name})
		b.warn("line %d: task %s: %q is not in the registry; kept as written, as an unknown participant", t.Line, t.No, name)
		return
	}
	b.warn("line %d: task %s: %q is not in the registry (nearest: %s): choose a body or accept it as new before launch",
		t.Line, t.No, name, strings.Join(b.reg.Nearest(name, 3), "、"))
}
