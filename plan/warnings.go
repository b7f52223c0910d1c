package plan

import "fmt"

// maxWarningsPerKind bounds the warnings of one kind, so that a large or
// repeated document gives a readable report rather than thousands of
// lines; the rest are counted.
const maxWarningsPerKind = 10

// warnCapped warns, up to maxWarningsPerKind times for kind.
func (b *builder) warnCapped(kind, format string, args ...any) {
	if b.warnCounts == nil {
		b.warnCounts = map[string]int{}
	}
	b.warnCounts[kind]++
	if b.warnCounts[kind] <= maxWarningsPerKind {
		b.warn(format, args...)
	}
}

// reportCapped says how many warnings of each kind were left out.
func (b *builder) reportCapped() {
	for _, kind := range []string{"damaged", "recovered", "context", "inferred", "item-number", "merged", "unassigned", "ambiguous"} {
		if n := b.warnCounts[kind] - maxWarningsPerKind; n > 0 {
			b.warn("%d more warnings like the ones above (%s) left out", n, kind)
		}
	}
}

// numberWatch notices numbering that starts over: an item or heading
// numbered no higher than the one before it in the same family, with no
// heading of an outer family in between. A document that was pasted
// twice, or a long text repeated, numbers this way.
type numberWatch struct {
	last      [famParenAr + 1]int
	restarts  int
	firstLine int
}

func (w *numberWatch) see(l line) {
	if l.fam == famNone {
		return
	}
	w.number(l.fam, l.num, l.no)
}

// number records a number of family f met at line no; a damaged heading,
// whose numbering was lost, is recorded with the number inferred for it.
func (w *numberWatch) number(f family, num, no int) {
	if f == famNone {
		return
	}
	if num <= w.last[f] {
		if w.restarts == 0 {
			w.firstLine = no
		}
		w.restarts++
	}
	w.last[f] = num
	for g := f + 1; g <= famParenAr; g++ {
		w.last[g] = 0
	}
}

func (w *numberWatch) report(b *builder) {
	if w.restarts == 0 {
		return
	}
	b.warn("the numbering repeats: %s (the first at line %d); the document may hold the same text more than once, giving %d tasks: check it before launch",
		fmt.Sprintf("%d numbers are not higher than the one before them", w.restarts), w.firstLine, len(b.p.Tasks))
}
