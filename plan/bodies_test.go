package plan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Deadlines as plans write them, in the clause or the sentence beside it,
// read against the document's year.
func TestDeadlines(t *testing.T) {
	cases := []struct {
		name, item string
		due        string
		ongoing    bool
	}{
		{"month end in the clause", "1.出台政策。（财政部牵头，4月底前出台相关政策）", "2022-04-30", false},
		{"within the year, ongoing", "1.推进工作。（财政部牵头，年内持续推进）", "2022-12-31", true},
		{"year end with its year", "1.完成清理。（财政部负责，2023年底前完成）", "2023-12-31", false},
		{"year and month", "1.完成清理。（财政部负责，2022年10月底前完成）", "2022-10-31", false},
		{"a day", "1.报送方案。（财政部负责，6月30日前完成）", "2022-06-30", false},
		{"long-term", "1.坚持原则。（财政部负责，长期坚持）", "", true},
		{"in the sentence beside the clause", "1.2022年10月底前，开展清理。（财政部负责）", "2022-10-31", false},
		{"the clause wins over the sentence", "1.2022年10月底前，开展清理。（财政部负责，12月底前完成）", "2022-12-31", false},
		{"none", "1.开展清理。（财政部负责）", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse([]byte(doc(c.item)+"2022年3月21日\n"), Options{PlanID: "t"})
			if err != nil {
				t.Fatal(err)
			}
			task := p.Tasks[0]
			if task.Due != c.due || task.Ongoing != c.ongoing {
				t.Errorf("due %q ongoing %v, want %q %v", task.Due, task.Ongoing, c.due, c.ongoing)
			}
		})
	}
}

// Collective bodies are kept as written and never become participants;
// a clause naming only collective bodies is a task the office assigns
// before launch.
func TestCollectiveBodies(t *testing.T) {
	p, err := Parse([]byte(doc(
		"1.做甲。（市场监管总局牵头，工业和信息化部等国务院相关部门及各地区按职责分工负责）",
		"2.做乙。（国务院相关部门、相关部门和单位按职责分工负责）",
		"3.做丙。（发展改革委、财政部牵头，中央信访工作联席会议成员单位和有关部门负责）",
	)+"2022年9月7日\n"), Options{PlanID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, task := range p.Tasks {
		got = append(got, fmt.Sprintf("%s named=%s collective=%s open=%v", task.No,
			strings.Join(task.IDs()[:max(task.Named, boolInt(!task.Broadcast)*len(task.Participants))], " "),
			strings.Join(task.Collective, "、"), task.OpenList))
	}
	want := []string{
		"1.1 named=samr miit collective=国务院相关部门、各地区 open=true",
		"1.2 named= collective=国务院相关部门、相关部门和单位 open=true",
		"1.3 named=ndrc mof collective=中央信访工作联席会议成员单位、有关部门 open=true",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	for _, task := range p.Tasks {
		for _, pt := range task.Participants {
			if pt.Unknown {
				t.Errorf("task %s: collective body %s became a participant", task.No, pt.NameZh)
			}
		}
	}
	probs := p.Problems()
	if len(probs) != 1 || probs[0].Kind != ProblemUnassigned || probs[0].Task != "1.2" {
		t.Errorf("problems %v, want task 1.2 to assign", probs)
	}
	if err := p.ReadyToLaunch(); err == nil || !strings.Contains(err.Error(), "task 1.2 (line 4) names only collective bodies") {
		t.Errorf("launch not refused with the task to assign: %v", err)
	}
}

// Near names and renamed bodies resolve to the registry's body, recorded
// as a correction with a warning; the document's year decides which name
// is current.
func TestNearAndRenamedBodies(t *testing.T) {
	p, err := Parse([]byte(doc(
		"1.做甲。（国家粮食和储备局、国家自然科学基金委负责）",
		"2.做乙。（国土资源部负责）",
		"3.做丙。（最高人民法院、中国邮政集团有限公司、国家电网有限公司负责）",
	)+"2022年3月21日\n"), Options{PlanID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, task := range p.Tasks {
		got = append(got, task.No+" "+strings.Join(task.IDs(), " "))
	}
	if diff := cmp.Diff([]string{"1.1 lsb nsfc", "1.2 mnr", "1.3 spc china-post sgcc"}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	want := []Correction{{Field: FieldBody, From: "国家粮食和储备局", To: "lsb"}, {Field: FieldBody, From: "国土资源部", To: "mnr"}}
	if diff := cmp.Diff(want, p.Corrections); diff != "" {
		t.Errorf("corrections (-want +got):\n%s", diff)
	}
	if countWarnings(p, "read as 粮食和储备局 (lsb)") != 1 || countWarnings(p, "国土资源部 became 自然资源部 in 2018") != 1 {
		t.Errorf("warnings %q", p.Warnings)
	}
	if len(p.Problems()) != 0 {
		t.Errorf("problems %v", p.Problems())
	}
	// Before 2018 the ministry is itself.
	p, _ = Parse([]byte(doc("1.做乙。（国土资源部负责）")+"2016年1月1日\n"), Options{PlanID: "t"})
	if ids := p.Tasks[0].IDs(); len(ids) != 1 || ids[0] != "mlr" {
		t.Errorf("2016: %v, want mlr", ids)
	}
	reg, _ := DefaultRegistry()
	for _, name := range []string{"国家发展", "国务院办", "某某局", "部"} {
		if m, ok := reg.Resolve(name); ok {
			t.Errorf("Resolve(%q) = %s, want no answer", name, m.ID)
		}
	}
}

// The office settles an unknown body in the preview: a registry body or
// a new participant; the choice is recorded and the plan may launch.
func TestCorrectBody(t *testing.T) {
	reg, _ := DefaultRegistry()
	p, err := Parse([]byte(doc("1.做甲。（宇宙开发部、财政部负责）", "2.做乙。（星际联络署负责）")), Options{PlanID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CorrectBody("宇宙开发部", "某某局", reg); err == nil || !strings.Contains(err.Error(), "not in the registry") {
		t.Errorf("a body outside the registry accepted: %v", err)
	}
	if err := p.CorrectBody("无此名", "财政部", reg); err == nil {
		t.Error("a name no task uses accepted")
	}
	for _, s := range []string{"宇宙开发部=发展改革委", "星际联络署=new"} {
		name, body, err := ParseBody(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.CorrectBody(name, body, reg); err != nil {
			t.Fatal(err)
		}
	}
	if got := []string{strings.Join(p.Tasks[0].IDs(), " "), *p.Tasks[0].Lead, strings.Join(p.Tasks[1].IDs(), " ")}; !cmp.Equal(got, []string{"ndrc mof", "ndrc", "unknown-星际联络署"}) {
		t.Errorf("after corrections: %v", got)
	}
	want := []Correction{{Field: FieldBody, From: "宇宙开发部", To: "ndrc"}, {Field: FieldBody, From: "星际联络署", To: "unknown-星际联络署"}}
	if diff := cmp.Diff(want, p.Corrections); diff != "" {
		t.Errorf("corrections (-want +got):\n%s", diff)
	}
	if err := p.ReadyToLaunch(); err != nil {
		t.Errorf("not ready after the corrections: %v", err)
	}
	if _, _, err := ParseBody("宇宙开发部"); err == nil {
		t.Error("ParseBody accepted a correction without =")
	}
}

// A、B牵头: A leads, B is a co-lead, kept apart from co-responsible bodies.
func TestCoLeads(t *testing.T) {
	p, err := Parse([]byte(doc("1.做甲。（国家发展改革委、财政部牵头，商务部等按职责分工负责）")), Options{PlanID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, pt := range p.Tasks[0].Participants {
		got = append(got, pt.ID+":"+pt.Role)
	}
	if diff := cmp.Diff([]string{"ndrc:lead", "mof:co-lead", "mofcom:co"}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// A bracket that speaks of responsibility but does not read as a clause
// is told, with its line, rather than dropped in silence.
func TestAmbiguousClauseWarns(t *testing.T) {
	p, err := Parse([]byte(doc("1.做甲。（财政部负责）", "2.做乙（由各方面共同研究后确定负责单位）。（商务部负责）")), Options{PlanID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if n := countWarnings(p, "line 4: item 2.: （由各方面共同研究后确定负责单位） reads like a responsibility clause"); n != 1 || len(p.Tasks) != 2 {
		t.Errorf("%d tasks, warnings %q", len(p.Tasks), p.Warnings)
	}
}
