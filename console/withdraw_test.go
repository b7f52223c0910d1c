package console

import (
	"strings"
	"testing"

	"lianxi/actions"
)

// Withdrawing a sign-off goes end to end through the one door: the API
// route, the task page's button and the ledger record all come from the
// action's definition, and only the ministry that signed may withdraw.
func TestWithdrawThroughAPIAndPage(t *testing.T) {
	s := newStack(t)
	if a := s.call("miit", "POST", "/api/plans/web/tasks/1.1/sign-off", js(map[string]string{"decision": "approve"})); a.status != 200 {
		t.Fatalf("sign-off: %d %s", a.status, a.body)
	}
	b := newBrowser(t, s)
	b.login(s.token("miit"))
	_, _, page := b.do("GET", "/tasks/web/1.1", nil)
	if !strings.Contains(page, `action="/tasks/web/1.1/withdraw"`) || !strings.Contains(page, "撤回") {
		t.Error("the task page offers the ministry that signed no withdraw button")
	}
	if a := s.call("mof", "POST", "/api/plans/web/tasks/1.1/withdraw", js(map[string]string{})); a.status != 409 || !strings.Contains(a.err.Message, "no answer to withdraw") {
		t.Errorf("mof withdrawing without an answer: %d %s", a.status, a.body)
	}
	if a := s.call("office", "POST", "/api/plans/web/tasks/1.1/withdraw", js(map[string]string{})); a.status != 403 {
		t.Errorf("the office withdrawing a ministry's answer: %d %s", a.status, a.body)
	}
	form := map[string]string{"comment": "数据需复核", "request_id": "wd-1"}
	if a := s.call("miit", "POST", "/api/plans/web/tasks/1.1/withdraw", js(form)); a.status != 200 {
		t.Fatalf("withdraw: %d %s", a.status, a.body)
	}
	for _, p := range s.status().Participants {
		if p.ID == "miit" && p.Answer != nil {
			t.Errorf("miit still has an answer after withdrawing: %+v", p.Answer)
		}
	}
	recs := s.recordsOf(actions.KindWithdrawal)
	if len(recs) != 1 || recs[0].Ministry != "miit" || recs[0].Payload["withdrawn"] != "approve" || recs[0].Payload["comment"] != "数据需复核" {
		t.Errorf("withdrawal records %+v", recs)
	}
	_, _, page = b.do("GET", "/tasks/web/1.1", nil)
	if strings.Contains(page, `action="/tasks/web/1.1/withdraw"`) {
		t.Error("the withdraw button is still offered after withdrawing")
	}
}
