package console

import (
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"lianxi/domain"
	"lianxi/ledger"
)

// One participant files 60 progress reports of 19,999 characters: the task
// stays readable, its status under 1 MiB, the records route shows every
// report whole, from the ledger, and the task page, also under 1 MiB, the
// newest ten whole with the older ones a page away.
func TestLongProgressStaysReadable(t *testing.T) {
	s := newStack(t)
	task := "/api/plans/web/tasks/1.1"
	report := s.fileLongReports(60)
	a := s.call("miit", "GET", task, nil)
	if a.status != 200 || len(a.body) > 1<<20 || !strings.Contains(a.body, `"progress_count":60`) {
		t.Fatalf("task: %d, %d bytes, %.200s", a.status, len(a.body), a.body)
	}
	var recs []ledger.Record
	a = s.call("mof", "GET", task+"/records", nil)
	if err := json.Unmarshal([]byte(a.body), &recs); a.status != 200 || err != nil {
		t.Fatalf("records: %d %v", a.status, err)
	}
	whole := 0
	for _, r := range recs {
		if r.Kind == domain.KindProgress && len([]rune(r.Payload["text"])) > 19990 {
			whole++
		}
	}
	if whole != 60 {
		t.Errorf("%d whole reports in the records, want 60", whole)
	}
	if a := s.call("mofcom", "GET", task+"/records", nil); a.status != 403 {
		t.Errorf("a ministry not on the task reads its records: %d", a.status)
	}
	// The task page shows the newest reports whole (folded, one click
	// from the whole text), newest first, under a mebibyte, and links to
	// the pages of older ones.
	b := newBrowser(t, s)
	b.login(s.tokens.Ministries["miit"])
	code, _, page := b.do("GET", "/tasks/web/1.1", nil)
	if code != 200 || len(page) >= 1<<20 {
		t.Fatalf("task page: %d, %d bytes, want under 1 MiB", code, len(page))
	}
	if !strings.Contains(page, "进展报送（60 份）") || !strings.Contains(page, report(59)) || !strings.Contains(page, report(50)) {
		t.Errorf("the first page does not count all 60 reports and show the newest whole")
	}
	if i, j := strings.Index(page, "第59份："), strings.Index(page, "第58份："); i < 0 || j < 0 || i > j {
		t.Errorf("the newest report should come first (at %d and %d)", i, j)
	}
	if strings.Contains(page, "第49份：") || strings.Contains(page, "第0份：") {
		t.Errorf("the first page holds older reports than its ten newest")
	}
	if n := strings.Count(page, `<details class="fold">`); n != 10 {
		t.Errorf("%d folded reports on the first page, want 10", n)
	}
	if !strings.Contains(page, "时间线（61 条）") || !regexp.MustCompile(`<a href="[^"]*timeline=2[^"]*">2</a>`).MatchString(page) {
		t.Errorf("the timeline of 61 records should be counted and paged")
	}
	last := regexp.MustCompile(`<a href="([^"]*reports=6[^"]*)">6</a>`).FindStringSubmatch(page)
	if last == nil {
		t.Fatal("the first page has no link to the oldest reports' page")
	}
	code, _, page = b.do("GET", html.UnescapeString(last[1]), nil)
	if code != 200 || len(page) >= 1<<20 || !strings.Contains(page, report(0)) || !strings.Contains(page, report(9)) || strings.Contains(page, "第59份：") {
		t.Errorf("the last page: %d, %d bytes; it should hold the oldest reports whole", code, len(page))
	}
	if st := s.status(); st.ProgressCount != 60 || len(st.Progress) != domain.KeepProgress {
		t.Errorf("status lists %d of %d reports, want the latest %d", len(st.Progress), st.ProgressCount, domain.KeepProgress)
	}
}

// longReport is the i-th of the longest progress reports the tests file:
// just under domain.MaxReportLen characters.
func longReport(i int) string { return fmt.Sprintf("第%d份：", i) + strings.Repeat("进", 19990) }

// fileLongReports has miit file n of the longest progress reports on
// web/1.1, and returns longReport to name them.
func (s *stack) fileLongReports(n int) func(int) string {
	s.t.Helper()
	for i := range n {
		body := js(map[string]string{"text": longReport(i), "request_id": fmt.Sprint("long-", i)})
		// As the API tells callers: a request with no answer in time (503)
		// is sent again with its request ID, and is recorded once (the
		// progress count says so). Under the race detector on two cores, a
		// history this large can take longer than one wait.
		a := s.call("miit", "POST", "/api/plans/web/tasks/1.1/progress", body)
		for try := 0; a.status == 503 && try < 10; try++ {
			a = s.call("miit", "POST", "/api/plans/web/tasks/1.1/progress", body)
		}
		if a.status != 200 {
			s.t.Fatalf("report %d: %d %.200s", i, a.status, a.body)
		}
	}
	return longReport
}
