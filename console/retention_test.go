package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"

	"lianxi/console/api"
	"lianxi/domain"
	"lianxi/testkit"
)

// snapshot is every read of one closed task and its plan that a person or
// a report needs.
type snapshot struct {
	task    domain.TaskStatus
	records string
	stats   string
	export  [][]string
}

// read takes the snapshot through the API as the office.
func (s *stack) read(t *testing.T) snapshot {
	t.Helper()
	var snap snapshot
	a := s.call("office", "GET", "/api/plans/web/tasks/1.1", nil)
	if a.status != http.StatusOK {
		t.Fatalf("GET the task: %d %s", a.status, a.body)
	}
	if err := json.Unmarshal([]byte(a.body), &snap.task); err != nil {
		t.Fatal(err)
	}
	if a = s.call("auditor", "GET", "/api/plans/web/tasks/1.1/records", nil); a.status != http.StatusOK {
		t.Fatalf("GET the records: %d %s", a.status, a.body)
	}
	snap.records = a.body
	if a = s.call("office", "GET", "/api/stats?plan=web", nil); a.status != http.StatusOK {
		t.Fatalf("GET the plan's stats: %d %s", a.status, a.body)
	}
	snap.stats = a.body
	if a = s.call("office", "GET", "/api/plans/web/export.xlsx", nil); a.status != http.StatusOK {
		t.Fatalf("GET the plan's export: %d %.300s", a.status, a.body)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(a.body)))
	if err != nil {
		t.Fatalf("the export is not a workbook: %v", err)
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		snap.export = append(snap.export, []string{"sheet " + sheet})
		snap.export = append(snap.export, rows...)
	}
	return snap
}

// A task closed after a return, a progress report and an objection keeps
// every read once Temporal deletes its history: the API's task and
// records, the plan's stats and 台账 export answer as they did from the
// workflow, the page says the history is gone and offers no action, and
// an action is refused as on a closed task, not as an unknown one.
func TestReadsOutliveDeletedHistory(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	task := "/api/plans/web/tasks/1.1"
	for _, step := range []struct{ role, path, body string }{
		{"miit", "/progress", `{"text":"第一季度进展"}`},
		{"miit", "/sign-off", `{"decision":"approve","signer":"王五"}`},
		{"mof", "/sign-off", `{"decision":"object","comment":"口径不一致"}`},
		{"ndrc", "/sign-off", `{"decision":"approve","report":"联合报告初稿","signer":"张三"}`},
		{"office", "/review", `{"decision":"return","comment":"请统一口径","reviewer":"赵六"}`},
		{"mof", "/sign-off", `{"decision":"approve","comment":"已统一"}`},
		{"miit", "/sign-off", `{"decision":"approve"}`},
		{"ndrc", "/sign-off", `{"decision":"approve","report":"联合报告终稿","signer":"张三"}`},
		{"office", "/review", `{"decision":"approve","comment":"同意办结","reviewer":"赵六"}`},
	} {
		if a := s.call(step.role, "POST", task+step.path, []byte(step.body)); a.status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", step.role, step.path, a.status, a.body)
		}
	}
	s.eventuallyLedgerCount("the assignment and nine decisions", 10)
	before := s.read(t)
	if before.task.Status != domain.StatusClosed || before.task.Round != 2 {
		t.Fatalf("before the deletion the task is %s in round %d, want closed in round 2", before.task.Status, before.task.Round)
	}

	ns := s.tasks.Namespace
	if _, err := s.raw.WorkflowService().DeleteWorkflowExecution(ctx, &workflowservice.DeleteWorkflowExecutionRequest{
		Namespace: ns, WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: "web/1.1"},
	}); err != nil {
		t.Fatalf("delete the history: %v", err)
	}
	testkit.Eventually(t, "Temporal to answer NotFound for the deleted task", func() (bool, string) {
		_, err := s.raw.DescribeWorkflowExecution(ctx, "web/1.1", "")
		var nf *serviceerror.NotFound
		return errors.As(err, &nf), fmt.Sprint(err)
	})

	a := s.call("office", "GET", task, nil)
	if a.status != http.StatusOK {
		t.Fatalf("GET the task after the deletion: %d %s", a.status, a.body)
	}
	after := s.read(t)
	// The ledger keeps texts whole and the workflow's status keeps the
	// texts too here (they are short): the two must agree field by field,
	// but for the spec's text and the run's own bookkeeping.
	want := before.task
	// The review's due date of an ended task is not kept on the board.
	want.Text, want.Warning, want.ReviewDue = "", domain.WarningGreen, time.Time{}
	// The board keeps due dates to the second; the workflow keeps past
	// rounds' texts as excerpts, the ledger whole (checked below).
	want.SignOffDue = want.SignOffDue.Truncate(time.Second)
	got := after.task
	got.Rounds, want.Rounds = withoutTexts(got.Rounds), withoutTexts(want.Rounds)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the task read from the ledger differs from the workflow's status (-workflow +ledger):\n%s", diff)
	}
	if r := after.task.Rounds; len(r) != 2 || r[0].Participants[2].Answer.Comment != "口径不一致" || r[0].Participants[0].Answer.Report != "联合报告初稿" {
		t.Errorf("the first round read from the ledger lacks its whole texts: %+v", r)
	}
	if after.records != before.records {
		t.Errorf("records differ after the deletion:\nbefore %s\nafter  %s", before.records, after.records)
	}
	if after.stats != before.stats {
		t.Errorf("stats differ after the deletion:\nbefore %s\nafter  %s", before.stats, after.stats)
	}
	if diff := cmp.Diff(before.export, after.export); diff != "" {
		t.Errorf("the export differs after the deletion (-before +after):\n%s", diff)
	}
	req, _ := http.NewRequest("GET", s.url+task, nil)
	req.Header.Set("Authorization", "Bearer "+s.tokens.Office)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get(api.SourceHeader); got != "ledger" {
		t.Errorf("%s says %q after the deletion, want ledger", api.SourceHeader, got)
	}

	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	code, _, page := office.do("GET", "/tasks/web/1.1", nil)
	if code != http.StatusOK {
		t.Fatalf("task page after the deletion: %d", code)
	}
	for _, want := range []string{`id="from-ledger"`, statusLabels[domain.StatusClosed], "联合报告终稿", "第一季度进展", "请统一口径", s.console.ministryName("mof")} {
		if !strings.Contains(page, want) {
			t.Errorf("the task page after the deletion lacks %q", want)
		}
	}
	if strings.Contains(page, "<form method=\"post\" action=\"/tasks/web/1.1/") {
		t.Error("the task page offers an action on a task whose history is gone")
	}
	if a := s.call("auditor", "GET", task+"/history", nil); a.status != http.StatusNotFound || a.err.Code != "history_gone" || !strings.Contains(a.err.Message, task+"/records") {
		t.Errorf("the history of the deleted task: %d %s, want 404 saying the history is gone and where the records are", a.status, a.body)
	}
	a = s.call("miit", "POST", task+"/progress", []byte(`{"text":"迟到的进展"}`))
	if a.status != http.StatusConflict || !strings.Contains(a.err.Message, "no longer kept") {
		t.Errorf("an action on the deleted task: %d %s, want 409 saying the history is no longer kept", a.status, a.body)
	}
}

// withoutTexts is rounds with each answer's texts left out, for comparing
// what the workflow keeps as excerpts with what the ledger keeps whole.
func withoutTexts(rounds []domain.RoundRecord) []domain.RoundRecord {
	out := make([]domain.RoundRecord, 0, len(rounds))
	for _, r := range rounds {
		ps := make([]domain.Participant, 0, len(r.Participants))
		for _, p := range r.Participants {
			if p.Answer != nil {
				a := *p.Answer
				a.Signer, a.Comment, a.Report, a.Truncated = "", "", "", false
				p.Answer = &a
			}
			ps = append(ps, p)
		}
		r.Participants = ps
		out = append(out, r)
	}
	return out
}
