package plan

import (
	"bytes"
	"encoding/json"
	"flag"
	"lianxi/testkit"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var update = flag.Bool("update", false, "rewrite golden files")

// documentPath is the plan the user gave us; the project keeps no copy of
// its paragraphs, so the tests read it from the shared folder.
const documentPath = "../../shared/plans/internet-plus-2015-support-measures.txt"

func readDocument(t *testing.T) []byte {
	t.Helper()
	return sharedFile(t, documentPath)
}

// sharedFile reads a document from the shared folder beside the
// repository (testkit.SharedFile: skipped outside CI when missing).
func sharedFile(t *testing.T, path string) []byte { return testkit.SharedFile(t, path) }

func parseDocument(t *testing.T, b []byte) *Plan {
	t.Helper()
	p, err := Parse(b, Options{PlanID: "internet-plus-2015"})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return p
}

func TestShippedDocumentMatchesGolden(t *testing.T) {
	p := parseDocument(t, readDocument(t)).WithoutText()
	got, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "internet-plus-2015.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./plan -update to create it)", err)
	}
	if diff := cmp.Diff(strings.TrimSpace(string(want)), strings.TrimSpace(string(got))); diff != "" {
		t.Errorf("parse result differs from %s (-want +got):\n%s", golden, diff)
	}
}

// The facts a reader checks by eye against the document.
func TestShippedDocumentStructure(t *testing.T) {
	p := parseDocument(t, readDocument(t))
	if len(p.Sections) != 7 || len(p.Tasks) != 25 {
		t.Fatalf("%d sections and %d tasks, want 7 and 25", len(p.Sections), len(p.Tasks))
	}
	perSection := map[int]int{}
	for _, task := range p.Tasks {
		perSection[task.Section]++
	}
	if diff := cmp.Diff(map[int]int{1: 4, 2: 4, 3: 4, 4: 3, 5: 4, 6: 3, 7: 3}, perSection); diff != "" {
		t.Errorf("tasks per section (-want +got):\n%s", diff)
	}
	recovered := []bool{}
	for _, s := range p.Sections {
		recovered = append(recovered, s.Recovered)
	}
	if diff := cmp.Diff([]bool{true, true, true, false, true, false, false}, recovered); diff != "" {
		t.Errorf("recovered headings (-want +got):\n%s", diff)
	}
	damaged := []bool{}
	for _, s := range p.Sections {
		damaged = append(damaged, s.Damaged)
	}
	if diff := cmp.Diff([]bool{false, true, true, false, true, false, false}, damaged); diff != "" {
		t.Errorf("damaged headings (-want +got):\n%s", diff)
	}
	if p.Sections[0].Title != "夯实发展基础" || p.Sections[3].Title != "拓展海外合作" {
		t.Errorf("section titles %q, %q", p.Sections[0].Title, p.Sections[3].Title)
	}
	want := map[string]string{
		"1.1": "ndrc miit mof sasac cac", "1.2": "ndrc miit", "1.3": "miit ndrc most cac",
		"1.4": "cac ndrc most miit mps mss aqsiq", "2.2": "aqsiq miit cac nea", "2.3": "sipo",
		"3.3": "ndrc miit gov-office cac", "3.4": "lao cac ndrc miit mps mss mofcom saic",
		"4.3": "mofcom mfa ndrc miit sat aqsiq cac", "5.4": "mohrss ndrc moe most cac",
		"6.1": "ndrc", "6.3": "pbc ndrc cbrc csrc circ cac cdb", "7.1": "ndrc",
	}
	for _, task := range p.Tasks {
		if w, ok := want[task.No]; ok && strings.Join(task.IDs(), " ") != w {
			t.Errorf("task %s participants %v, want %s", task.No, task.IDs(), w)
		}
		if task.Broadcast != (task.No == "7.2" || task.No == "7.3") {
			t.Errorf("task %s broadcast = %v", task.No, task.Broadcast)
		}
		if strings.ContainsAny(task.Title, "(發數") || strings.ContainsAny(task.Text, "()") && strings.Contains(task.Text, "fā") {
			t.Errorf("task %s still carries traditional characters or glosses: %q", task.No, task.Title)
		}
	}
	byNo := map[string]Task{}
	for _, task := range p.Tasks {
		byNo[task.No] = task
	}
	if got := byNo["1.1"]; got.Title != "巩固网络基础" || !got.OpenList || *got.Lead != "ndrc" || got.Line != 3 {
		t.Errorf("task 1.1 = %q open %v lead %v line %d", got.Title, got.OpenList, got.Lead, got.Line)
	}
	if got := byNo["2.3"]; got.OpenList || *got.Lead != "sipo" {
		t.Errorf("task 2.3 (知识产权局牵头) open %v lead %v", got.OpenList, got.Lead)
	}
	reg, _ := DefaultRegistry()
	everyone := len(reg.Select(2015, Ministry.Central)) + 31
	b := byNo["7.2"]
	if b.Lead != nil || len(b.Participants) != everyone {
		t.Errorf("task 7.2 broadcast: lead %v, %d participants; want none and every 2015 department and province", b.Lead, len(b.Participants))
	}
	if !strings.Contains(byNo["1.1"].OriginalText, "發(fā)展改革委") {
		t.Errorf("original text not kept for audit: %q", byNo["1.1"].OriginalText[:40])
	}
	if p.Year != 2015 {
		t.Errorf("year %d, want 2015 from the date line", p.Year)
	}
}

func TestGB18030CopyParsesTheSame(t *testing.T) {
	doc := readDocument(t)
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(doc)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(gb, doc) {
		t.Fatal("encoding changed nothing")
	}
	want, got := parseDocument(t, doc), parseDocument(t, gb)
	if got.Encoding != "gb18030" {
		t.Errorf("encoding detected as %q", got.Encoding)
	}
	want.Encoding, got.Encoding = "", ""
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GB18030 copy differs (-utf8 +gb18030):\n%s", diff)
	}
}
