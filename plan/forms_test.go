package plan

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The forms real documents use around their lists of bodies, each as a
// family: the paragraphs are written for the tests, the clause forms are
// the documents'.
func TestClauseFamilies(t *testing.T) {
	cases := []struct {
		name, clause string
		want         shape
		groups       string
		notes        int
		leadRule     bool
	}{
		{"lead rule after a comma", "（税务总局、财政部、海关总署负责，排在第一位的部门为牵头部门，下同）", shape{"sat", "sat mof gacc", false, false}, "", 2, true},
		{"lead rule after a full stop", "（农业农村部、财政部等负责。列第一位者为牵头单位，下同）", shape{"moara", "moara mof", true, false}, "", 2, true},
		{"下同 alone", "（商务部、海关总署负责，下同）", shape{"mofcom", "mofcom gacc", false, false}, "", 1, false},
		{"等有关部门", "（商务部等有关部门负责）", shape{"mofcom", "mofcom", true, false}, "", 0, false},
		{"等有关单位按职责分工负责", "（商务部、海关总署等有关单位按职责分工负责）", shape{"mofcom", "mofcom gacc", true, false}, "", 0, false},
		{"等有关部门和单位", "（人力资源社会保障部、财政部等有关部门和单位负责）", shape{"mohrss", "mohrss mof", true, false}, "", 0, false},
		{"会同有关部门", "（教育部会同有关部门负责）", shape{"moe", "moe", true, false}, "", 0, false},
		{"two bodies 会同有关部门", "（国家发展改革委、财政部会同有关部门负责）", shape{"ndrc", "ndrc mof", true, false}, "", 0, false},
		{"会同 a named body", "（教育部会同财政部负责）", shape{"moe", "moe mof", false, false}, "", 0, false},
		{"labelled list with a scope", "（负责部门：商务部、海关总署；适用范围：试点地区）", shape{"mofcom", "mofcom gacc", false, false}, "", 1, false},
		{"指导 and 参与", "（商务部指导，供销合作总社参与）", shape{"mofcom", "mofcom acfsmc", false, false}, "", 0, false},
		{"shared role across a comma", "（人力资源社会保障部、科技部，各省级人民政府按职责分工负责）", shape{"mohrss", "mohrss most", false, true}, "", 0, false},
		{"等和 the provinces concerned", "（扶贫办、商务部等和各有关省级人民政府负责）", shape{"cpad", "cpad mofcom", true, false}, "各有关省级人民政府", 0, false},
		{"等和 every province", "（扶贫办、全国总工会等和各省级人民政府负责）", shape{"cpad", "cpad acftu", true, true}, "", 0, false},
		{"a deadline after the role", "（财政部负责，年内持续推进）", shape{"mof", "mof", false, false}, "", 1, false},
		{"ASCII punctuation", "(税务总局、财政部负责,排在第一位的部门为牵头部门,下同)", shape{"sat", "sat mof", false, false}, "", 2, true},
		{"由 before the list", "（由国家统计局负责）", shape{"nbs", "nbs", false, false}, "", 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse([]byte(doc("1.做事。"+c.clause)+"2018年12月1日\n"), Options{PlanID: "t"})
			if err != nil {
				t.Fatal(err)
			}
			task := p.Tasks[0]
			got := shapeOf(task)
			if got.Broadcast {
				got.IDs = strings.Join(task.IDs()[:len(strings.Fields(c.want.IDs))], " ")
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if g := strings.Join(task.OpenGroups, " "); g != c.groups {
				t.Errorf("open groups %q, want %q", g, c.groups)
			}
			if len(task.Notes) != c.notes {
				t.Errorf("notes %q, want %d", task.Notes, c.notes)
			}
			if (p.LeadRule != "") != c.leadRule {
				t.Errorf("lead rule %q", p.LeadRule)
			}
		})
	}
}

// Parentheticals that assign no role stay in the text.
func TestParentheticalsAreNotClauses(t *testing.T) {
	for _, s := range []string{"（含技工院校）", "（ISO）", "（以下简称自贸试验区）", "（2019年底前完成）", "（市、县）"} {
		if c, ok := parseClause(strings.Trim(s, "（）")); ok {
			t.Errorf("%s read as a clause: %+v", s, c)
		}
	}
}

// An item whose sentences each end with their own clause gives a task per
// clause, numbered under the item, each titled from its own sentence.
func TestSeveralClausesInOneParagraph(t *testing.T) {
	p, err := Parse([]byte(doc("1.做甲事。（公安部牵头）做乙事。（交通运输部、公安部负责）做丙事。（财政部等负责）")), Options{PlanID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, task := range p.Tasks {
		s := shapeOf(task)
		got = append(got, fmt.Sprintf("%s %s %s %s open=%v", task.No, task.Path, task.Title, s.IDs, s.Open))
	}
	want := []string{"1.1.1 一.(一).1#1 做甲事 mps open=false", "1.1.2 一.(一).1#2 做乙事 mot mps open=false", "1.1.3 一.(一).1#3 做丙事 mof open=true"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// Clauses with no sentence between them are one task with all their bodies.
func TestAdjacentClausesMerge(t *testing.T) {
	p, err := Parse([]byte(doc("1.做甲事。（公安部牵头）（交通运输部、公安部负责）")), Options{PlanID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tasks) != 1 {
		t.Fatalf("%d tasks, want 1", len(p.Tasks))
	}
	task := p.Tasks[0]
	if diff := cmp.Diff(shape{"mps", "mps mot", false, false}, shapeOf(task)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if task.Text != "做甲事。" {
		t.Errorf("text keeps a clause: %q", task.Text)
	}
	if countWarnings(p, "has 2 responsibility clauses") != 1 {
		t.Errorf("no warning about the merge: %q", p.Warnings)
	}
}

func TestNumberingForms(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string // no [original_no] title
		context    int
		warn       string
	}{
		{"context before the tasks, numbering runs on",
			"一、总体要求\n（一）指导思想。写给测试的话。\n（二）基本原则。写给测试的话。\n二、重点任务\n（三）做甲。（财政部负责）\n（四）做乙。（商务部负责）\n三、保障措施\n（五）做丙。（公安部负责）\n",
			[]string{"2.1 [（三）] 做甲", "2.2 [（四）] 做乙", "3.1 [（五）] 做丙"}, 3, "numbers its items on"},
		{"items numbered across groups",
			"一、原则\n（一）坚持甲。写给测试的话。\n二、任务\n（一）第一组。\n1.做甲。（财政部负责）\n2.做乙。（财政部负责）\n（二）第二组。\n3.做丙。（财政部负责）\n",
			[]string{"1.1 [1] 做甲", "1.2 [2] 做乙", "2.1 [3] 做丙"}, 1, "numbers its items on"},
		{"a lost item number",
			"（一）甲。\n1.做甲。（财政部负责）\n.做乙。（商务部负责）\n3.做丙。（公安部负责）\n",
			[]string{"1.1 [1] 做甲", "1.2 [] .做乙", "1.3 [3] 做丙"}, 0, "has no number"},
		{"tasks without sections",
			"一、做甲。（财政部负责）\n二、做乙。（商务部会同有关部门负责）\n",
			[]string{"1.1 [一] 做甲", "1.2 [二] 做乙"}, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse([]byte(c.text), Options{PlanID: "t"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, task := range p.Tasks {
				got = append(got, task.No+" ["+task.OriginalNo+"] "+task.Title)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if len(p.Context) != c.context {
				t.Errorf("%d context paragraphs, want %d: %+v", len(p.Context), c.context, p.Context)
			}
			if c.warn != "" && countWarnings(p, c.warn) == 0 {
				t.Errorf("no warning %q in %q", c.warn, p.Warnings)
			}
		})
	}
}

func TestRepeatedNumberingWarns(t *testing.T) {
	one := "一、保障措施\n（一）甲。\n1.做甲。（财政部负责）\n2.做乙。（商务部负责）\n"
	p, err := Parse([]byte(one+one), Options{PlanID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tasks) != 4 || countWarnings(p, "numbering repeats") != 1 {
		t.Errorf("%d tasks, warnings %q", len(p.Tasks), p.Warnings)
	}
	p, _ = Parse([]byte(one), Options{PlanID: "t"})
	if countWarnings(p, "numbering repeats") != 0 {
		t.Errorf("a plain document warned: %q", p.Warnings)
	}
}

// Unknown bodies never fail a parse: each is a problem, listed once where
// first met with the registry's nearest names, and the plan cannot be
// launched until the office accepts or replaces it.
func TestUnknownBodiesListedTogether(t *testing.T) {
	text := doc("1.做甲。（发展改革委、宇宙开发部负责）", "2.做乙。（星际联络署、财政部负责）", "3.做丙。（宇宙开发部负责）")
	p, err := Parse([]byte(text), Options{PlanID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, pr := range p.Problems() {
		got = append(got, fmt.Sprintf("%s %s line %d task %s, %d suggestions", pr.Kind, pr.Name, pr.Line, pr.Task, len(pr.Suggestions)))
	}
	want := []string{"unknown-body 宇宙开发部 line 3 task 1.1, 3 suggestions", "unknown-body 星际联络署 line 4 task 1.2, 3 suggestions"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	err = p.ReadyToLaunch()
	if !errors.Is(err, ErrUnresolved) {
		t.Fatalf("launch not refused: %v", err)
	}
	for _, w := range []string{"2 unresolved problems", `"宇宙开发部" (line 3, task 1.1; nearest:`, `"星际联络署" (line 4, task 1.2; nearest:`, "--allow-unknown"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	p, err = Parse([]byte(text), Options{PlanID: "t", AllowUnknown: true})
	if err != nil {
		t.Fatal(err)
	}
	got2 := p.Tasks[1].Participants
	if got2[0].ID != "unknown-星际联络署" || got2[0].NameZh != "星际联络署" || got2[0].Role != RoleLead || !got2[0].Unknown || got2[1].Role != RoleCo {
		t.Errorf("unknown body not kept as written with its position's role: %+v", got2)
	}
	if err := p.ReadyToLaunch(); err != nil {
		t.Errorf("unknown bodies accepted on request, yet: %v", err)
	}
}

func TestSectionTitleCorrection(t *testing.T) {
	p := &Plan{PlanID: "t", Sections: []Section{{No: 1, Title: "甲"}, {No: 2, Title: "化新驱动", Recovered: true, Damaged: true, Salvaged: "化新驱动"}}}
	if err := p.ReadyToLaunch(); !errors.Is(err, ErrDamagedHeadings) || !strings.Contains(err.Error(), `section 2 (line 0) reads only "化新驱动"`) {
		t.Errorf("ready with a damaged heading: %v", err)
	}
	no, title, err := ParseSectionTitle("2=强化创新驱动")
	if err != nil || no != 2 || title != "强化创新驱动" {
		t.Fatalf("ParseSectionTitle: %d %q %v", no, title, err)
	}
	if err := p.CorrectSectionTitle(no, title); err != nil {
		t.Fatal(err)
	}
	if err := p.ReadyToLaunch(); err != nil {
		t.Errorf("not ready after the correction: %v", err)
	}
	want := []Correction{{Section: 2, Field: FieldTitle, From: "化新驱动", To: "强化创新驱动"}}
	if diff := cmp.Diff(want, p.Corrections); diff != "" {
		t.Errorf("corrections (-want +got):\n%s", diff)
	}
	if s := p.Sections[1]; s.Title != "强化创新驱动" || !s.Corrected || !s.Damaged || s.Salvaged != "化新驱动" {
		t.Errorf("section after correction: %+v", s)
	}
	for _, bad := range []string{"强化创新驱动", "x=甲", "0=甲", "2="} {
		if _, _, err := ParseSectionTitle(bad); err == nil {
			t.Errorf("ParseSectionTitle(%q) accepted", bad)
		}
	}
	if err := p.CorrectSectionTitle(9, "甲"); err == nil {
		t.Error("corrected a section that does not exist")
	}
}
