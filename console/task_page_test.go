package console

import (
	"lianxi/domain"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The task page shows every extension request and its decision whole, as
// the ledger holds them, though the workflow's state keeps excerpts.
func TestTaskPageExtensionHistory(t *testing.T) {
	s := newStack(t)
	task := "/api/plans/web/tasks/1.1"
	long := func(head string) string { return head + strings.Repeat("详", domain.ExcerptLen) + "。" }
	until := time.Now().Add(60 * 24 * time.Hour).Format("2006-01-02")
	for _, step := range []struct{ role, path, body string }{
		{"miit", "/extension-requests", `{"until":"` + until + `","reason":"` + long("第一次申请") + `"}`},
		{"office", "/extension-decision", `{"decision":"refuse","comment":"` + long("不同意理由") + `","decider":"李四"}`},
		{"mof", "/extension-requests", `{"until":"` + until + `","reason":"第二次申请"}`},
		{"office", "/extension-decision", `{"decision":"grant","comment":"同意"}`},
		{"miit", "/progress", `{"text":"` + long("进展一") + `"}`},
	} {
		if a := s.call(step.role, "POST", task+step.path, []byte(step.body)); a.status != 200 {
			t.Fatalf("%s %s: %d %s", step.role, step.path, a.status, a.body)
		}
	}
	if st := s.status(); len(st.Extensions) != 2 || st.Extensions[0].Reason == long("第一次申请") {
		t.Fatalf("the state should keep excerpts: %+v", st.Extensions)
	}
	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	_, _, page := office.do("GET", "/tasks/web/1.1", nil)
	_, table, ok := strings.Cut(page, `id="extensions"`)
	if !ok {
		t.Fatal("no extension history on the task page")
	}
	table, _, _ = strings.Cut(table, "</table>")
	rows := regexp.MustCompile(`<tr><td>`).FindAllStringIndex(table, -1)
	if len(rows) != 2 {
		t.Errorf("%d extension rows, want 2", len(rows))
	}
	for _, want := range []string{long("第一次申请"), long("不同意理由"), "李四", "不同意", "第二次申请", "同意", s.console.ministryName("mof")} {
		if !strings.Contains(table, want) {
			t.Errorf("the extension history lacks %q", want)
		}
	}
	if !strings.Contains(page, long("进展一")) {
		t.Error("the progress report is not shown whole")
	}
}
