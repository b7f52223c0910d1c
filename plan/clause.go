package plan

import (
	"strings"
)

// clause is a parsed responsibility clause: "(A、B等负责)", "(A牵头，B、C配合)".
type clause struct {
	// leads are the units the clause names as leading, in order.
	leads []string
	// units are the other units, in order.
	units []string
	// open is true when the list ends in 等 ("and others").
	open bool
	// departments and provinces mark broadcast phrases.
	departments, provinces bool
}

// Broadcast phrases and what they expand to.
var (
	departmentPhrases = []string{"各部门", "各有关部门", "有关部门", "国务院各部门", "各相关部门"}
	provincePhrases   = []string{"各地方政府", "各地方人民政府", "各省级人民政府", "各地区", "地方各级人民政府", "各省级政府", "各地"}
)

// roleSuffixes end a segment of a clause; lead is true for 牵头.
var roleSuffixes = []struct {
	s    string
	lead bool
}{
	{"按职责分工负责", false}, {"分工负责", false}, {"牵头负责", true}, {"牵头", true},
	{"负责", false}, {"配合", false}, {"参与", false}, {"协同", false},
}

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

// parseClause reads the inside of a trailing bracket. ok is false when the
// text is not a responsibility clause (an ordinary parenthetical).
func parseClause(inner string) (clause, bool) {
	var c clause
	inner = strings.NewReplacer("各省（区、市）人民政府", "各省级人民政府", "各省(区、市)人民政府", "各省级人民政府",
		"各省（区、市）", "各省级人民政府", "各省(区、市)", "各省级人民政府").Replace(inner)
	segments := strings.FieldsFunc(inner, func(r rune) bool { return strings.ContainsRune("，,；;", r) })
	found := false
	for _, seg := range segments {
		seg = strings.TrimSpace(seg)
		lead, matched := false, false
		for _, suf := range roleSuffixes {
			if rest, ok := strings.CutSuffix(seg, suf.s); ok {
				seg, lead, matched = rest, suf.lead, true
				break
			}
		}
		if !matched {
			return clause{}, false
		}
		found = true
		if rest, ok := strings.CutSuffix(seg, "等"); ok {
			seg, c.open = rest, true
		}
		for _, u := range strings.FieldsFunc(seg, func(r rune) bool { return r == '、' || r == '及' || r == '/' }) {
			u = strings.TrimSpace(u)
			switch {
			case u == "":
				continue
			case contains(departmentPhrases, u):
				c.departments = true
			case contains(provincePhrases, u):
				c.provinces = true
			case lead:
				c.leads = append(c.leads, u)
			default:
				c.units = append(c.units, u)
			}
		}
	}
	if !found || (len(c.leads) == 0 && len(c.units) == 0 && !c.departments && !c.provinces) {
		return clause{}, false
	}
	return c, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
