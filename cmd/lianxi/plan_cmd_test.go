package main

import (
	"context"
	"encoding/json"
	"fmt"
	"lianxi/testkit"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const shippedDocument = "../../../shared/plans/internet-plus-2015-support-measures.txt"

// The shipped document's three mis-decoded headings are reported as
// damaged in every output format, and a --section-title correction is
// applied and recorded.
func TestPlanParseReportsDamagedHeadings(t *testing.T) {
	testkit.SharedFile(t, shippedDocument)
	ctx := context.Background()
	base := []string{"plan", "parse", shippedDocument, "--plan-id", "ip"}

	r := lianxi(ctx, append(base, "--json")...)
	var p struct {
		Sections []struct {
			No       int    `json:"no"`
			Damaged  bool   `json:"damaged"`
			Salvaged string `json:"salvaged"`
		} `json:"sections"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("json: %v (exit %d, %s)", err, r.code, r.stderr)
	}
	var damaged []int
	for _, s := range p.Sections {
		if s.Damaged {
			damaged = append(damaged, s.No)
		}
	}
	if fmt.Sprint(damaged) != "[2 3 5]" {
		t.Errorf("JSON: damaged sections %v, want 2 3 5", damaged)
	}
	if n := countContaining(p.Warnings, "heading is damaged"); n != 3 {
		t.Errorf("JSON: %d damaged-heading warnings, want 3: %q", n, p.Warnings)
	}

	r = lianxi(ctx, append(base, "--yaml", "--facts-only")...)
	var y map[string]any
	if err := yaml.Unmarshal([]byte(r.stdout), &y); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	if n := strings.Count(r.stdout, "damaged: true"); n != 3 {
		t.Errorf("YAML: %d damaged sections, want 3", n)
	}
	if n := strings.Count(r.stdout, "heading is damaged"); n != 3 {
		t.Errorf("YAML --facts-only: %d damaged-heading warnings, want 3", n)
	}

	r = lianxi(ctx, base...)
	if n := strings.Count(r.stdout, "(DAMAGED"); n != 3 || strings.Count(r.stdout, "warning: line") < 3 {
		t.Errorf("text: %d damaged marks, want 3:\n%s", n, r.stdout)
	}

	out := filepath.Join(t.TempDir(), "p.json")
	r = lianxi(ctx, append(base, "--section-title", "2=强化创新驱动", "--out", out)...)
	b, err := os.ReadFile(out)
	if err != nil || r.code != 0 {
		t.Fatalf("exit %d %s: %v", r.code, r.stderr, err)
	}
	if !strings.Contains(string(b), `"to": "强化创新驱动"`) || !strings.Contains(string(b), `"title": "强化创新驱动"`) {
		t.Errorf("correction not applied and recorded:\n%s", b)
	}
	if r := lianxi(ctx, append(base, "--section-title", "9=无此部分")...); r.code == 0 || !strings.Contains(r.stderr, "no section 9") {
		t.Errorf("a correction of a missing section: exit %d, %s", r.code, r.stderr)
	}
}

// Launch refuses damaged headings before dialing anything.
func TestPlanLaunchRefusesDamagedHeadings(t *testing.T) {
	testkit.SharedFile(t, shippedDocument)
	r := lianxi(context.Background(), "plan", "launch", shippedDocument, "--plan-id", "ip", "--section-title", "2=强化创新驱动")
	if r.code == 0 || !strings.Contains(r.stderr, "damaged headings") || !strings.Contains(r.stderr, "section 3") || strings.Contains(r.stderr, "section 2 ") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
}

func countContaining(list []string, s string) int {
	n := 0
	for _, x := range list {
		if strings.Contains(x, s) {
			n++
		}
	}
	return n
}

// An unknown body never fails a parse: it is listed as a problem, launch
// refuses it before dialing anything, and --body settles it.
func TestPlanUnknownBodyIsAProblem(t *testing.T) {
	ctx := context.Background()
	doc := filepath.Join(t.TempDir(), "p.txt")
	if err := os.WriteFile(doc, []byte("一、保障措施\n（一）测试部分。\n1.做事。（宇宙开发部、财政部负责）\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := lianxi(ctx, "plan", "parse", doc)
	if r.code != 0 || !strings.Contains(r.stdout, `problem: "宇宙开发部" (line 3, task 1.1; nearest:`) {
		t.Errorf("parse: exit %d, %s\n%s", r.code, r.stderr, r.stdout)
	}
	r = lianxi(ctx, "plan", "launch", doc)
	if r.code == 0 || !strings.Contains(r.stderr, "1 unresolved problems") || !strings.Contains(r.stderr, "宇宙开发部") {
		t.Errorf("launch: exit %d: %s", r.code, r.stderr)
	}
	r = lianxi(ctx, "plan", "parse", doc, "--body", "宇宙开发部=发展改革委", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"to": "ndrc"`) || strings.Contains(r.stdout, "unknown-") {
		t.Errorf("--body: exit %d, %s\n%s", r.code, r.stderr, r.stdout)
	}
}

// Every real document in the corpus parses through the command in each of
// its formats: exit 0, the same task count in text and JSON, and the
// problems listed in the text rather than refusing the document.
func TestPlanParseEveryRealDocument(t *testing.T) {
	const dir = "../../../shared/plans/real"
	testkit.SharedFile(t, filepath.Join(dir, "README.md"))
	docs, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(docs) < 9 {
		t.Fatalf("corpus: %d documents, %v", len(docs), err)
	}
	ctx := context.Background()
	for _, doc := range docs {
		t.Run(filepath.Base(doc), func(t *testing.T) {
			var p struct {
				Tasks []struct {
					No string `json:"no"`
				} `json:"tasks"`
			}
			r := lianxi(ctx, "plan", "parse", doc, "--json")
			if r.code != 0 {
				t.Fatalf("--json: exit %d: %s", r.code, r.stderr)
			}
			if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || len(p.Tasks) == 0 {
				t.Fatalf("--json: %d tasks, %v", len(p.Tasks), err)
			}
			r = lianxi(ctx, "plan", "parse", doc)
			if r.code != 0 {
				t.Fatalf("text: exit %d: %s", r.code, r.stderr)
			}
			if want := fmt.Sprintf(" %d tasks, ", len(p.Tasks)); !strings.Contains(strings.SplitN(r.stdout, "\n", 2)[0], want) {
				t.Errorf("text: first line %q, want %q", strings.SplitN(r.stdout, "\n", 2)[0], want)
			}
			for _, task := range p.Tasks {
				if !strings.Contains(r.stdout, "  "+task.No+" ") {
					t.Errorf("text: task %s not listed", task.No)
					break
				}
			}
			if r := lianxi(ctx, "plan", "parse", doc, "--yaml", "--facts-only"); r.code != 0 {
				t.Errorf("--yaml: exit %d: %s", r.code, r.stderr)
			}
		})
	}
}
