package console

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// selectOptions lists the option values and labels of the named select.
func selectOptions(page, name string) map[string]string {
	out := map[string]string{}
	m := regexp.MustCompile(`(?s)<select name="` + name + `"[^>]*>(.*?)</select>`).FindStringSubmatch(page)
	if m == nil {
		return nil
	}
	for _, o := range regexp.MustCompile(`<option value="([^"]*)">([^<]*)</option>`).FindAllStringSubmatch(m[1], -1) {
		out[o[1]] = o[2]
	}
	return out
}

// The office amends a task by picking ministries by their Chinese names:
// ministries to add from those not on the task, to remove from those on
// it; several chosen at once all count.
func TestAmendPicker(t *testing.T) {
	s := newStack(t)
	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	_, _, page := office.do("GET", "/tasks/web/1.1", nil)
	add, remove, lead := selectOptions(page, "add"), selectOptions(page, "remove"), selectOptions(page, "lead")
	if add["mofcom"] != "商务部" || add["ndrc"] != "" || len(add) < 50 {
		t.Errorf("add offers %d ministries (mofcom %q, ndrc %q)", len(add), add["mofcom"], add["ndrc"])
	}
	if len(remove) != 3 || remove["ndrc"] != "发展改革委" || remove["mofcom"] != "" {
		t.Errorf("remove offers %v, want the task's three ministries", remove)
	}
	if lead["ndrc"] != "发展改革委" || lead["mofcom"] != "商务部" || lead[""] != "（不变）" {
		t.Errorf("lead offers %d ministries", len(lead))
	}
	if strings.Contains(page, "编号，逗号分隔") {
		t.Error("the amend form still asks for typed IDs")
	}
	form := url.Values{"csrf": {office.csrf("/tasks/web/1.1")}, "add": {"mofcom", "most"}, "reason": {"补充商务部、科技部"}, "beyond_list": {"beyond"}}
	if code, loc, _ := office.do("POST", "/tasks/web/1.1/amend", form); code != http.StatusSeeOther || !strings.Contains(loc, "msg=submitted") {
		t.Fatalf("amend: %d to %q", code, loc)
	}
	var ids []string
	for _, p := range s.status().Participants {
		ids = append(ids, p.ID)
	}
	if !slices.Contains(ids, "mofcom") || !slices.Contains(ids, "most") {
		t.Errorf("participants after the amendment: %v, want mofcom and most added", ids)
	}
}
