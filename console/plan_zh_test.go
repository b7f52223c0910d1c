package console

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lianxi/plan"
)

// englishWords finds words the importer writes in English.
var englishWords = regexp.MustCompile(`\b(line|task|heading|section|plan|document|registry|kept|warnings?|bodies|body|tasks|the)\b`)

// Every warning the importer gives on the real documents in its test data
// reads in Chinese on the upload preview.
func TestPlanWarningsInChinese(t *testing.T) {
	files, _ := filepath.Glob("../plan/testdata/real/*.golden.json")
	files = append(files, "../plan/testdata/internet-plus-2015.golden.json")
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var p plan.Plan
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, w := range p.Warnings {
			seen++
			zh := planZh(w)
			if strings.HasPrefix(zh, "（导入程序原文）") || englishWords.MatchString(zh) {
				t.Errorf("%s: %q\n  reads %q", filepath.Base(f), w, zh)
			}
		}
	}
	if seen < 20 {
		t.Errorf("only %d warnings in the test data: the test reads the wrong files", seen)
	}
}

// The importer's refusals read in Chinese too; an unknown one is shown as
// it is, after a Chinese lead-in, never dropped.
func TestPlanErrorsInChinese(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"parse plan: no tasks found: no numbered item ends with a responsibility clause such as （A、B等负责）", "未找到任务"},
		{"parse plan: line 12: task 2.3 has no responsibility clause at its end, such as （A、B等负责）", "第 12 行：任务 2.3 末尾没有分工表述"},
		{`parse plan: 1 body is not in the ministry registry: "某某局" (line 7, task 1.1; nearest: 商务部、科技部); fix the document or pass --allow-unknown to keep them as written`, "以下单位不在部门名录中：“某某局”"},
		{`plan p: damaged headings: section 1 (line 3) reads only "夯实"; correct each title first (CLI: --section-title N=TITLE)`, "规划 p 有受损标题尚未更正：第 1 部分（第 3 行）仅识别出“夯实”"},
		{`plan p: 1 unresolved problems: "宇宙开发部" (line 3, task 1.1; nearest: 商务部、科技部) is not in the registry; task 1.2 (line 4) names only collective bodies (国务院相关部门): assign it to a body; choose a body for each (CLI: --body NAME=BODY, or --allow-unknown to accept them as written)`,
			"规划 p 有 1 处问题尚未解决：“宇宙开发部”（第 3 行，任务 1.1；相近名称：商务部、科技部）不在部门名录中；任务 1.2（第 4 行）只写明了集体性主体（国务院相关部门）：请指定承办单位"},
		{"line 4: item 2.: （由各方面共同研究后确定负责单位） reads like a responsibility clause but names no body the importer can read: check it", "第 4 行：条目 2.：“（由各方面共同研究后确定负责单位）”像是分工表述"},
		{"line 9: task 23: 海洋局 became 自然资源部 in 2018; the task goes to 自然资源部", "第 9 行：任务 23：海洋局 已于 2018 年改为 自然资源部"},
		{`line 25: task 6.1.1: "国家粮食和储备局" is not in the registry; read as 粮食和储备局 (lsb), its nearest name: correct it if that is wrong`, "“国家粮食和储备局”不在部门名录中，按最相近的名称读作粮食和储备局（lsb）"},
		{"something new", "（导入程序原文）something new"},
	} {
		if got := planZh(c.in); !strings.Contains(got, c.want) {
			t.Errorf("%q\n  reads %q, want it to contain %q", c.in, got, c.want)
		}
	}
}
