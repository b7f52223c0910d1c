package plan

import "strings"

// trailingBracket finds a bracketed run closing s (before a final 。 or
// whitespace), in ASCII or full-width brackets, nested brackets allowed.
// It returns the inner text and the text before the bracket.
func trailingBracket(s string) (inner, before string, ok bool) {
	rs := []rune(strings.TrimRight(s, " \t\u3000。．.；;"))
	if len(rs) == 0 || (rs[len(rs)-1] != ')' && rs[len(rs)-1] != '）') {
		return "", s, false
	}
	depth := 0
	for i := len(rs) - 1; i >= 0; i-- {
		switch rs[i] {
		case ')', '）':
			depth++
		case '(', '（':
			depth--
			if depth == 0 {
				return string(rs[i+1 : len(rs)-1]), string(rs[:i]), true
			}
		}
	}
	return "", s, false
}

// findClauses returns every top-level bracketed run of s that is a
// responsibility clause, and s without them.
func findClauses(s string) ([]clause, string) {
	var (
		found []clause
		rest  strings.Builder
	)
	tail := scanClauses(s, func(before string, c clause) {
		found = append(found, c)
		rest.WriteString(before)
	})
	rest.WriteString(tail)
	return found, rest.String()
}

// scanClauses walks the top-level bracketed runs of s and calls fn for each
// that is a responsibility clause, with the text since the previous clause.
// It returns the text after the last clause.
func scanClauses(s string, fn func(before string, c clause)) string {
	rs := []rune(s)
	depth, start, last := 0, -1, 0
	for i, r := range rs {
		switch r {
		case '(', '（':
			if depth == 0 {
				start = i
			}
			depth++
		case ')', '）':
			if depth == 0 {
				continue
			}
			depth--
			if depth == 0 && start >= 0 {
				if c, ok := parseClause(string(rs[start+1 : i])); ok {
					fn(string(rs[last:start]), c)
					last = i + 1
				}
				start = -1
			}
		}
	}
	return string(rs[last:])
}
