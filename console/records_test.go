package console

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"lianxi/domain"
	"lianxi/ledger"
)

// One participant files 60 progress reports of 19,999 characters: the task
// stays readable, its status under 1 MiB, and the page and the records
// route show every report whole, from the ledger.
func TestLongProgressStaysReadable(t *testing.T) {
	s := newStack(t)
	task := "/api/plans/web/tasks/1.1"
	for i := range 60 {
		text := fmt.Sprintf("第%d份：", i) + strings.Repeat("进", 19990)
		body := js(map[string]string{"text": text, "request_id": fmt.Sprint("long-", i)})
		// As the API tells callers: a request with no answer in time (503)
		// is sent again with its request ID, and is recorded once (the
		// progress count below says so). Under the race detector on two
		// cores, a history this large can take longer than one wait.
		a := s.call("miit", "POST", task+"/progress", body)
		for try := 0; a.status == 503 && try < 3; try++ {
			a = s.call("miit", "POST", task+"/progress", body)
		}
		if a.status != 200 {
			t.Fatalf("report %d: %d %.200s", i, a.status, a.body)
		}
	}
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
	b := newBrowser(t, s)
	b.login(s.tokens.Ministries["miit"])
	code, _, page := b.do("GET", "/tasks/web/1.1", nil)
	if code != 200 || !strings.Contains(page, "进展报送（60 份）") || !strings.Contains(page, "第59份："+strings.Repeat("进", 19990)) {
		t.Errorf("task page: %d, the reports are not all there whole", code)
	}
	if st := s.status(); st.ProgressCount != 60 || len(st.Progress) != domain.KeepProgress {
		t.Errorf("status lists %d of %d reports, want the latest %d", len(st.Progress), st.ProgressCount, domain.KeepProgress)
	}
}
