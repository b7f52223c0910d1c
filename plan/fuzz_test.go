package plan

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(doc("1.做事。（发展改革委、财政部等负责）")))
	f.Add([]byte(doc("1.做事。(發(fā)展改革委牽頭,外交部配合)")))
	f.Add([]byte("（一）甲\n1.任务。（各部门、各地方政府负责）\n"))
	f.Add([]byte("?。ㄒ唬┖粚嵃l(fā)展基礎。\n1.任务。（财政部负责）\n"))
	if b, err := os.ReadFile(documentPath); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, Options{PlanID: "fuzz", AllowUnknown: true})
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("parse accepted a plan that does not validate: %v", err)
		}
	})
}

// Large inputs finish: the parser is linear in the document's size.
func TestMegabyteInputs(t *testing.T) {
	var many bytes.Buffer
	for s := 1; many.Len() < 1<<20; s++ {
		fmt.Fprintf(&many, "（%s）部分。\n", chineseNumeral(s))
		for i := 1; i <= 500; i++ {
			fmt.Fprintf(&many, "%d.任务%d。（发展改革委、财政部等负责）\n", i, i)
		}
	}
	var runOn bytes.Buffer
	runOn.WriteString("（一）甲。\n1.开头。\n")
	for runOn.Len() < 1<<20 {
		runOn.WriteString("很长的一段没有责任单位的文字。\n")
	}
	runOn.WriteString("结尾。（财政部负责）\n")
	noise := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(r.UintN(256))
	}
	for name, in := range map[string][]byte{"many tasks": many.Bytes(), "one long task": runOn.Bytes(), "noise": noise} {
		p, err := Parse(in, Options{PlanID: "big"})
		switch name {
		case "many tasks":
			if err != nil || len(p.Tasks) < 10000 {
				t.Errorf("%s: %v", name, err)
			}
		case "one long task":
			if err != nil || len(p.Tasks) != 1 {
				t.Errorf("%s: %v", name, err)
			}
		default:
			if err == nil {
				t.Errorf("%s parsed as a plan", name)
			}
		}
	}
}

func chineseNumeral(n int) string {
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n < 10:
		return digits[n]
	case n < 20:
		return "十" + digits[n%10]
	default:
		return digits[n/10] + "十" + digits[n%10]
	}
}

// A 4 MB document of repeated text parses, and says that its numbering
// repeats instead of silently turning into thousands of tasks; the
// warnings stay few.
func TestRepeatedFourMegabytes(t *testing.T) {
	block := []byte("三、保障支撑\n（一）夯实基础。\n1.做甲。写给测试的一段话。（发展改革委、财政部等负责）\n2.做乙。写给测试的一段话。（工业和信息化部负责）\n（二）强化驱动。\n1.做丙。（知识产权局牵头）\n")
	if b, err := os.ReadFile(documentPath); err == nil {
		block = b
	}
	var in bytes.Buffer
	for in.Len()+len(block) <= MaxDocumentSize {
		in.Write(block)
	}
	p, err := Parse(in.Bytes(), Options{PlanID: "big"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tasks) < 1000 || countWarnings(p, "the numbering repeats") != 1 {
		t.Errorf("%d tasks from %d bytes; numbering-repeats warnings: %d", len(p.Tasks), in.Len(), countWarnings(p, "the numbering repeats"))
	}
	if len(p.Warnings) > 100 {
		t.Errorf("%d warnings: a repeated document should give a readable report", len(p.Warnings))
	}
}
