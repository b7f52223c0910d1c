package plan

import (
	"regexp"
	"slices"
	"strings"
)

// clause is a parsed responsibility clause: "(A、B等负责)", "(A牵头，B、C配合)",
// "(A、B负责，排在第一位的部门为牵头部门，下同)", "(负责部门：A、B；适用范围：…)".
type clause struct {
	// leads are the units the clause names as leading, in order.
	leads []string
	// units are the other units, in order.
	units []string
	// open is true when the list ends in 等 ("and others"), 等有关部门,
	// 会同有关部门 and the like: the office may add participants.
	open bool
	// departments and provinces mark broadcast phrases.
	departments, provinces bool
	// groups are named groups the clause does not list (各有关省级人民政府).
	groups []string
	// notes are the segments after the list of bodies that assign no
	// role: 下同, a lead rule, a deadline, a scope.
	notes []string
	// leadRule is the note that states which body leads, if any.
	leadRule string
	// collective are the collective bodies named, as written.
	collective []string
}

// Broadcast phrases and what they expand to.
var (
	departmentPhrases = []string{"各部门", "各有关部门", "有关部门", "国务院各部门", "各相关部门", "国务院有关部门",
		"国务院各有关部门", "各有关部门和单位", "有关部门和单位", "国务院各部门各单位", "中央和国家机关各部门"}
	provincePhrases = []string{"各地方政府", "各地方人民政府", "各省级人民政府", "各地区", "地方各级人民政府",
		"各省级政府", "各地", "各级地方人民政府", "各地人民政府"}
	// groupPhrases name some members of a group without listing them: the
	// task stays open for the office to add them.
	groupPhrases = []string{"各有关省级人民政府", "有关省级人民政府", "有关地方人民政府", "各有关地方人民政府",
		"有关地方政府", "各有关地区", "有关地区", "试点城市政府", "试点地区人民政府", "有关城市人民政府"}
)

// roleSuffixes end a segment of a clause; lead is true for 牵头 and 指导.
var roleSuffixes = []struct {
	s    string
	lead bool
}{
	{"按照职责分工负责", false}, {"按职责分工负责", false}, {"按职责负责", false}, {"分工负责", false},
	{"分别负责", false}, {"共同负责", false}, {"牵头负责", true}, {"负责落实", false}, {"牵头", true},
	{"负责", false}, {"配合", false}, {"参与", false}, {"协同", false}, {"指导", true},
}

// roleLabels open a labelled list: "负责部门：A、B".
var roleLabels = map[string]bool{"负责部门": false, "责任部门": false, "责任单位": false, "负责单位": false,
	"牵头部门": true, "牵头单位": true, "配合部门": false, "参与部门": false}

// openTails follow 等 and keep the list open: 等有关部门, 等部门和单位.
var openTails = []string{"有关部门和单位", "相关部门和单位", "部门和单位", "有关部门", "相关部门", "有关单位",
	"相关单位", "部门", "单位"}

// leadRuleNote is a note stating that the first listed body leads.
var leadRuleNote = regexp.MustCompile(`(排在|列|排)第一(位|个)的?(部门|单位|者)?为牵头`)

// parseClause reads the inside of a bracket. ok is false when the text is
// not a responsibility clause (an ordinary parenthetical).
//
// The clause is read segment by segment (split at ，；。): a segment ending
// in a role (负责, 牵头, 配合…) assigns it to its bodies and to those of
// the segments before it that had none ("A、B，各省级人民政府按职责分工
// 负责"); a segment after the last role is a note.
func parseClause(inner string) (clause, bool) {
	var c clause
	inner = strings.NewReplacer("各省（区、市）人民政府", "各省级人民政府", "各省(区、市)人民政府", "各省级人民政府",
		"各省（区、市）", "各省级人民政府", "各省(区、市)", "各省级人民政府").Replace(inner)
	segments := strings.FieldsFunc(inner, func(r rune) bool { return strings.ContainsRune("，,；;。", r) })
	var pending []string
	found := false
	for _, seg := range segments {
		seg = strings.TrimSpace(seg)
		if seg == "" {
			continue
		}
		if label, body, ok := cutLabel(seg); ok {
			lead, isRole := roleLabels[label]
			if !isRole {
				c.note(seg)
				continue
			}
			c.addList(body, lead)
			found = true
			continue
		}
		body, lead, matched := cutRole(seg)
		if !matched {
			if found || isNote(seg) {
				c.note(seg)
			} else {
				pending = append(pending, seg)
			}
			continue
		}
		for _, p := range pending {
			c.addList(p, false)
		}
		pending = nil
		found = true
		if head, tail, ok := strings.Cut(body, "会同"); ok {
			// "A会同有关部门负责": A leads, the others are left open.
			c.addList(head, true)
			if slices.Contains(departmentPhrases, tail) {
				c.open = true
			} else {
				c.addList(tail, false)
			}
			continue
		}
		c.addList(body, lead)
	}
	if !found || len(pending) > 0 || (len(c.leads) == 0 && len(c.units) == 0 && len(c.collective) == 0 && len(c.groups) == 0) {
		return clause{}, false
	}
	return c, true
}

// cutLabel splits "负责部门：A、B" into its label and list.
func cutLabel(seg string) (label, body string, ok bool) {
	i := strings.IndexAny(seg, "：:")
	if i < 0 {
		return "", seg, false
	}
	return strings.TrimSpace(seg[:i]), strings.TrimLeft(seg[i:], "：: "), true
}

func cutRole(seg string) (body string, lead, ok bool) {
	for _, suf := range roleSuffixes {
		if rest, ok := strings.CutSuffix(seg, suf.s); ok {
			return strings.TrimPrefix(rest, "由"), suf.lead, true
		}
	}
	return seg, false, false
}

// isNote reports a segment that says something about the list rather
// than naming bodies: the lead rule, 下同, a scope or a deadline.
func isNote(seg string) bool {
	for _, m := range []string{"下同", "第一位", "为牵头", "以下", "不再列出", "适用", "前完成", "持续推进", "长期坚持", "年底前", "月底前"} {
		if strings.Contains(seg, m) {
			return true
		}
	}
	return false
}

func (c *clause) note(seg string) {
	c.notes = append(c.notes, seg)
	if c.leadRule == "" && leadRuleNote.MatchString(seg) {
		c.leadRule = seg
	}
}

// addList adds a list of bodies: "A、B等有关部门", "A、B等和各有关省级人民政府".
func (c *clause) addList(s string, lead bool) {
	s = strings.TrimSpace(s)
	if head, tail, ok := strings.Cut(s, "等"); ok {
		c.open = true
		for _, t := range openTails {
			if rest, ok := strings.CutPrefix(tail, t); ok {
				if strings.HasPrefix(t, "有关") || strings.HasPrefix(t, "相关") {
					c.collective = append(c.collective, t)
				}
				tail = rest
				break
			}
		}
		c.addList(head, lead)
		tail = strings.TrimLeft(tail, "和及与、")
		if tail != "" {
			c.addList(tail, false)
		}
		return
	}
	for _, u := range strings.FieldsFunc(s, func(r rune) bool { return r == '、' || r == '及' || r == '与' || r == '/' }) {
		u = strings.TrimSpace(u)
		if head, tail, ok := cutLast(u, "和"); ok && head != "" && (isCollective(tail) || slices.Contains(departmentPhrases, tail) || slices.Contains(provincePhrases, tail)) {
			// "联席会议成员单位和有关部门": two lists joined by 和.
			c.addList(head, lead)
			c.addList(tail, false)
			continue
		}
		switch {
		case u == "":
			continue
		case slices.Contains(departmentPhrases, u):
			c.departments = true
			c.collective = append(c.collective, u)
		case slices.Contains(provincePhrases, u):
			c.provinces = true
			c.collective = append(c.collective, u)
		case slices.Contains(groupPhrases, u):
			c.groups = append(c.groups, u)
			c.open = true
		case isCollective(u):
			c.collective = append(c.collective, u)
			c.open = true
		case lead:
			c.leads = append(c.leads, u)
		default:
			c.units = append(c.units, u)
		}
	}
}

// merge joins the clauses of one paragraph: the first clause keeps its
// order and its lead; the bodies of later clauses follow as
// co-responsible (their leads lose the lead); open, broadcast, groups and
// notes are the union.
func merge(cs []clause) clause {
	out := cs[0]
	out.leads, out.units = slices.Clone(out.leads), slices.Clone(out.units)
	for _, c := range cs[1:] {
		out.units = append(out.units, c.leads...)
		out.units = append(out.units, c.units...)
		out.open = out.open || c.open
		out.departments = out.departments || c.departments
		out.provinces = out.provinces || c.provinces
		out.groups = append(out.groups, c.groups...)
		out.notes = append(out.notes, c.notes...)
		out.collective = append(out.collective, c.collective...)
		if out.leadRule == "" {
			out.leadRule = c.leadRule
		}
	}
	return out
}
