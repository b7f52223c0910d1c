package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// doc builds a small plan: one section heading and the given task lines.
func doc(tasks ...string) string {
	return "一、保障措施\n（一）测试部分。\n" + strings.Join(tasks, "\n") + "\n"
}

type shape struct {
	Lead      string
	IDs       string
	Open      bool
	Broadcast bool
}

func shapeOf(t Task) shape {
	s := shape{IDs: strings.Join(t.IDs(), " "), Open: t.OpenList, Broadcast: t.Broadcast}
	if t.Lead != nil {
		s.Lead = *t.Lead
	}
	return s
}

func TestClauseForms(t *testing.T) {
	cases := []struct {
		name, line string
		want       shape
	}{
		{"co-responsible with 等", "1.做事。（发展改革委、财政部等负责）", shape{"ndrc", "ndrc mof", true, false}},
		{"closed list", "1.做事。（发展改革委、财政部负责）", shape{"ndrc", "ndrc mof", false, false}},
		{"lead alone", "1.做事。（知识产权局牵头）", shape{"sipo", "sipo", false, false}},
		{"lead then 配合", "1.做事。（商务部牵头，外交部、财政部配合）", shape{"mofcom", "mofcom mfa mof", false, false}},
		{"lead then 参与 with 等", "1.做事。(商务部牵头,外交部、财政部等参与)", shape{"mofcom", "mofcom mfa mof", true, false}},
		{"按职责分工负责", "1.做事。（教育部、科技部按职责分工负责）", shape{"moe", "moe most", false, false}},
		{"ASCII brackets", "1.做事。(教育部、科技部负责)", shape{"moe", "moe most", false, false}},
		{"glosses inside", "1.做事。(發(fā)展改革委、工業(yè)和信息化部等負責)", shape{"ndrc", "ndrc miit", true, false}},
		{"traditional", "1.做事。（國資委、網信辦等負責）", shape{"sasac", "sasac cac", true, false}},
		{"alias", "1.做事。（国家发改委、工信部负责）", shape{"ndrc", "ndrc miit", false, false}},
		{"trailing full stop", "1.做事。（公安部负责）。", shape{"mps", "mps", false, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse([]byte(doc(c.line)), Options{PlanID: "t"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, shapeOf(p.Tasks[0])); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBroadcastClauses(t *testing.T) {
	reg, _ := DefaultRegistry()
	depts := len(reg.Select(2015, Ministry.Central))
	cases := []struct {
		clause string
		want   int
	}{
		{"（各部门、各地方政府负责）", depts + 31},
		{"（各省级人民政府负责）", 31},
		{"（各省（区、市）人民政府负责）", 31},
		{"（各部门负责）", depts},
	}
	for _, c := range cases {
		p, err := Parse([]byte(doc("1.做事。"+c.clause)+"2015年7月1日\n"), Options{PlanID: "t"})
		if err != nil {
			t.Fatalf("%s: %v", c.clause, err)
		}
		task := p.Tasks[0]
		if !task.Broadcast || task.Lead != nil || len(task.Participants) != c.want {
			t.Errorf("%s: broadcast %v lead %v, %d participants; want broadcast, no lead, %d", c.clause, task.Broadcast, task.Lead, len(task.Participants), c.want)
		}
	}
	// A lead named before a broadcast keeps the lead.
	p, err := Parse([]byte(doc("1.做事。（发展改革委牵头，各省级人民政府负责）")), Options{PlanID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if task := p.Tasks[0]; task.Lead == nil || *task.Lead != "ndrc" || len(task.Participants) != 32 {
		t.Errorf("lead plus provinces: lead %v, %d participants", task.Lead, len(task.Participants))
	}
}

func TestNumberingFamilies(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"(一) sections, 1. tasks", "（一）甲。\n1.任务甲。（财政部负责）\n2.任务乙。（财政部负责）\n（二）乙。\n1.任务丙。（财政部负责）\n", []string{"1.1 任务甲", "1.2 任务乙", "2.1 任务丙"}},
		{"一、 sections, (一) tasks", "一、甲\n（一）任务甲。（财政部负责）\n二、乙\n（一）任务乙。（财政部负责）\n（二）任务丙。（财政部负责）\n", []string{"1.1 任务甲", "2.1 任务乙", "2.2 任务丙"}},
		{"1、 tasks, no sections", "1、任务甲。（财政部负责）\n2、任务乙。（财政部负责）\n", []string{"1.1 任务甲", "1.2 任务乙"}},
		{"(1) tasks under 1.", "1.甲\n（1）任务甲。（财政部负责）\n2.乙\n（1）任务乙。（财政部负责）\n", []string{"1.1 任务甲", "2.1 任务乙"}},
		{"continuation lines", "（一）甲。\n1.任务甲。第一段。\n第二段。（财政部负责）\n", []string{"1.1 任务甲"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse([]byte(c.text), Options{PlanID: "t"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, task := range p.Tasks {
				got = append(got, task.No+" "+task.Title)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEncodings(t *testing.T) {
	text := doc("1.做事。（發(fā)展改革委、财政部等负责）")
	gb, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	u16 := []byte{0xFE, 0xFF}
	for _, r := range utf16.Encode([]rune(text)) {
		u16 = append(u16, byte(r>>8), byte(r))
	}
	cases := map[string][]byte{
		"utf-8":     []byte(text),
		"utf-8-bom": append([]byte{0xEF, 0xBB, 0xBF}, text...),
		"gb18030":   gb,
		"utf-16":    u16,
	}
	for enc, b := range cases {
		p, err := Parse(b, Options{PlanID: "t"})
		if err != nil {
			t.Fatalf("%s: %v", enc, err)
		}
		if p.Encoding != enc || shapeOf(p.Tasks[0]) != (shape{"ndrc", "ndrc mof", true, false}) {
			t.Errorf("%s: detected %s, task %+v", enc, p.Encoding, shapeOf(p.Tasks[0]))
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want []string
	}{
		{"no tasks", []byte("这不是一份规划。\n"), []string{"no tasks found"}},
		{"binary", bytes.Repeat([]byte{0xFF, 0x00, 0x81}, 100), []string{"neither UTF-8 nor GB18030"}},
		{"oversized", bytes.Repeat([]byte("a"), MaxDocumentSize+1), []string{"the limit is"}},
		{"structured plan with no tasks", []byte(`{"plan_id":"x","title":"t","sections":[],"tasks":[]}`), []string{"no tasks"}},
		{"structured plan, unknown field", []byte(`{"plan_id":"x","bogus":1}`), []string{`unknown field "bogus"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(c.in, Options{PlanID: "t"})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// What once refused a document is now told and kept: an item without a
// clause after tasks is context, with a warning naming its line.
func TestItemWithoutClauseIsNotFatal(t *testing.T) {
	p, err := Parse([]byte(doc("1.做事。（财政部负责）", "2.还有一件事。")), Options{PlanID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tasks) != 1 || len(p.Context) != 1 || countWarnings(p, "line 4: item 2. has no responsibility clause") != 1 {
		t.Errorf("%d tasks, %d context, warnings %q", len(p.Tasks), len(p.Context), p.Warnings)
	}
}

func TestUnknownUnitsAllowed(t *testing.T) {
	p, err := Parse([]byte(doc("1.做事。（宇宙开发部、财政部负责）")), Options{PlanID: "t", AllowUnknown: true})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Tasks[0].Participants
	if len(got) != 2 || !got[0].Unknown || got[0].Role != RoleLead || got[1].Unknown || len(p.Warnings) == 0 {
		t.Errorf("participants %+v warnings %v", got, p.Warnings)
	}
}

func TestStructuredPlanRoundTrip(t *testing.T) {
	p, err := Parse([]byte(doc("1.做事。（发展改革委、财政部等负责）")), Options{PlanID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := jsonMarshal(p)
	q, err := Load(b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, q); diff != "" {
		t.Errorf("round trip (-parsed +loaded):\n%s", diff)
	}
}

func TestGlossStripping(t *testing.T) {
	cases := map[string]string{
		"發(fā)展":           "發展",
		"數(shù)據(jù)":      "數據",
		"協(xié)議第6版(IPv6)": "協議第6版(IPv6)",
		"國際標準化組織(ISO)":     "國際標準化組織(ISO)",
		"（一）":              "（一）",
		"生態(tài)":          "生態",
	}
	for in, want := range cases {
		if got, _ := stripGlosses(in); got != want {
			t.Errorf("stripGlosses(%q) = %q, want %q", in, got, want)
		}
	}
}

func jsonMarshal(p *Plan) ([]byte, error) { return json.Marshal(p) }
