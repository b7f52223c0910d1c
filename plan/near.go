package plan

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Resolve reads a name the registry does not hold as the body it most
// plausibly means: a near form of one of its names, with characters left
// out or added (国家粮食和储备局 for 国家粮食和物资储备局, 国家自然科学基金委
// for 国家自然科学基金委员会). It answers only when exactly one body fits.
func (r *Registry) Resolve(name string) (Ministry, bool) {
	name = strings.TrimPrefix(name, "中华人民共和国")
	if m, ok := r.Lookup(name); ok {
		return m, true
	}
	// The nearest form wins: fewest characters apart; a tie between two
	// bodies is no answer.
	found, best, tie := -1, 0, false
	n := utf8.RuneCountInString(name)
	for cand, i := range r.byName {
		if !nearForm(name, cand) {
			continue
		}
		d := utf8.RuneCountInString(cand) - n
		if d < 0 {
			d = -d
		}
		switch {
		case found < 0 || d < best:
			found, best, tie = i, d, false
		case d == best && i != found:
			tie = true
		}
	}
	if found < 0 || tie {
		return Ministry{}, false
	}
	return r.list[found], true
}

// nearForm reports whether one name is the other with up to three
// characters left out, the shorter keeping at least six and 70 % of the
// longer: shorter names are too alike (国务院办 is neither 国务院侨办 nor
// 国务院办公厅).
func nearForm(a, b string) bool {
	la, lb := utf8.RuneCountInString(a), utf8.RuneCountInString(b)
	if la > lb {
		a, b, la, lb = b, a, lb, la
	}
	if la < 6 || lb-la > 3 || la == lb || la*10 < lb*7 {
		return false
	}
	rb := []rune(b)
	j := 0
	for _, c := range a {
		for j < len(rb) && rb[j] != c {
			j++
		}
		if j == len(rb) {
			return false
		}
		j++
	}
	// A short form cut at its end (基金委 for 基金委员会), or one whose
	// first and last characters agree: 局 is not 委, 部 is not 办.
	ra := []rune(a)
	return strings.HasPrefix(b, a) || ra[0] == rb[0] && ra[len(ra)-1] == rb[len(rb)-1]
}

// Current is the body that carries m's work in year: m itself, or the
// body it was merged into or renamed to (国土资源部 is 自然资源部 from 2018).
func (r *Registry) Current(m Ministry, year int) Ministry {
	seen := []string{m.ID}
	for year != 0 && m.Until != 0 && year >= m.Until && m.Successor != "" {
		next, ok := r.ByID(m.Successor)
		if !ok || slices.Contains(seen, next.ID) {
			break
		}
		m = next
		seen = append(seen, m.ID)
	}
	return m
}
