package plan

import (
	"regexp"
	"strings"
	"unicode"
)

// part is one sentence group of an item with the clause that closes it.
type part struct {
	text string
	c    clause
}

// splitParts cuts an item's text after each top-level responsibility
// clause: each part is the text since the previous clause and the clause
// that ends it. The text after the last clause is returned apart: it may
// be what follows the item (a signature, a date) in a run-on paragraph.
func splitParts(s string) ([]part, string) {
	var out []part
	tail := scanClauses(s, func(before string, c clause) {
		out = append(out, part{text: strings.TrimSpace(before), c: c})
	})
	return out, strings.TrimSpace(tail)
}

// separate reports whether the clauses of an item each close their own
// sentences, so that each is a task of its own; clauses that follow one
// another with nothing between them share one task.
func separate(parts []part) bool {
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if !strings.ContainsFunc(p.text, unicode.IsLetter) {
			return false
		}
	}
	return true
}

// roleWord matches a bracketed run that speaks of responsibility.
var roleWord = regexp.MustCompile(`[（(]([^（）()]*(?:负责|牵头|配合)[^（）()]*)[）)]`)

// unreadClauses returns the bracketed runs of s that speak of
// responsibility (负责, 牵头, 配合) but do not read as a clause: an
// ambiguous clause the office should look at.
func unreadClauses(s string) []string {
	var out []string
	for _, m := range roleWord.FindAllStringSubmatch(s, -1) {
		if _, ok := parseClause(m[1]); !ok {
			out = append(out, m[1])
		}
	}
	return out
}
