package taskclient

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lianxi/domain"
	"lianxi/ledger"
)

// A task's status rebuilt from its records alone (no board row): the
// participants after an amendment that changed the lead, the answers of
// the round, the extension and its decision, and the cancellation as the
// outcome. No records and no row: not known.
func TestFromLedgerWithoutBoardRow(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	seq := int64(0)
	rec := func(kind, ministry, person string, payload map[string]string) ledger.Record {
		seq++
		return ledger.Record{Seq: seq, Entry: domain.Entry{DecisionID: kind + string(rune('a'+seq)), WorkflowID: "p/1.1", PlanID: "p", TaskNo: "1.1",
			Round: 1, Kind: kind, Ministry: ministry, Person: person, Payload: payload, At: t0.Add(time.Duration(seq) * time.Hour)}}
	}
	recs := []ledger.Record{
		rec(domain.KindAssigned, domain.Office, "", map[string]string{"participants": "ndrc,miit,mof", "lead": "ndrc", "sign_off_due": "2026-12-30T09:00:00Z"}),
		rec(domain.KindAmend, domain.Office, "", map[string]string{"add": "mofcom", "remove": "mof", "lead": "miit", "reason": "分工调整"}),
		rec(domain.KindExtensionRequest, "mofcom", "", map[string]string{"until": "2027-01-30T00:00:00Z", "reason": "需调研"}),
		rec(domain.KindExtensionDecision, domain.Office, "李四", map[string]string{"decision": domain.DecisionGrant, "comment": "同意"}),
		rec(domain.KindObjection, "mofcom", "钱七", map[string]string{"decision": domain.DecisionObject, "comment": "口径不一致"}),
		rec(domain.KindReminder, domain.ActorSystem, "", nil),
		rec(domain.KindCancel, domain.Office, "", map[string]string{"reason": "并入他项"}),
	}
	got, ok := FromLedger("p/1.1", nil, recs)
	if !ok {
		t.Fatal("records alone should be enough to read the task")
	}
	want := domain.TaskStatus{
		ID: "p/1.1", PlanID: "p", TaskNo: "1.1", Status: domain.StatusCancelled, Round: 1, Lead: "miit",
		Participants: []domain.Participant{
			{ID: "miit", Role: domain.RoleLead},
			{ID: "ndrc", Role: domain.RoleCo},
			{ID: "mofcom", Role: domain.RoleCo, Answer: &domain.Answer{Decision: domain.DecisionObject, Signer: "钱七", Comment: "口径不一致",
				At: recs[4].At, DecisionID: recs[4].DecisionID}},
		},
		Pending:    []string{},
		SignOffDue: time.Date(2026, 12, 30, 9, 0, 0, 0, time.UTC),
		Warning:    domain.WarningGreen,
		Extensions: []domain.ExtensionRecord{{Ministry: "mofcom", Until: time.Date(2027, 1, 30, 0, 0, 0, 0, time.UTC), Reason: "需调研",
			RequestedAt: recs[2].At, State: domain.ExtensionGranted, Decider: "李四", Comment: "同意", DecidedAt: recs[3].At}},
		Decisions: 5,
		StartedAt: recs[0].At,
		Outcome:   &domain.TaskOutcome{Status: domain.StatusCancelled, Rounds: 1, Decisions: 5, EndedAt: recs[6].At, Comment: "并入他项"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status from the ledger mismatch (-want +got):\n%s", diff)
	}
	if _, ok := FromLedger("p/9.9", nil, nil); ok {
		t.Error("a task with neither a board row nor records was read as known")
	}
}

// With a board row, the row gives the status, round and due date; a
// return's records make the finished round, the answers after it the
// current one.
func TestFromLedgerWithBoardRow(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	entry := func(id string, round int, kind, ministry string, h int, payload map[string]string) ledger.Record {
		return ledger.Record{Entry: domain.Entry{DecisionID: id, WorkflowID: "p/2.1", PlanID: "p", TaskNo: "2.1", Round: round,
			Kind: kind, Ministry: ministry, Payload: payload, At: at(h)}}
	}
	recs := []ledger.Record{
		entry("a", 1, domain.KindAssigned, domain.Office, 0, map[string]string{"participants": "mof,miit", "lead": "mof"}),
		entry("s1", 1, domain.KindSignOff, "miit", 1, map[string]string{"decision": domain.DecisionApprove}),
		entry("s2", 1, domain.KindSignOff, "mof", 2, map[string]string{"decision": domain.DecisionApprove, "report": "初稿"}),
		entry("r1", 1, domain.KindReturn, domain.Office, 3, map[string]string{"decision": domain.DecisionReturn, "comment": "补充数据"}),
		entry("s3", 2, domain.KindSignOff, "miit", 4, map[string]string{"decision": domain.DecisionApprove, "comment": "已补充"}),
		entry("p1", 2, domain.KindProgress, "miit", 5, map[string]string{"text": "进展"}),
	}
	row := &domain.BoardRow{WorkflowID: "p/2.1", PlanID: "p", TaskNo: "2.1", Title: "任务", Status: domain.StatusSigning, Round: 2,
		Lead: "mof", Participants: []string{"mof", "miit"}, Pending: []string{"mof"}, Due: at(24 * 40), WarningWindow: 48 * time.Hour, Decisions: 5}
	got, ok := FromLedger("p/2.1", row, recs)
	if !ok {
		t.Fatal("not read")
	}
	if got.Status != domain.StatusSigning || got.Round != 2 || got.Title != "任务" || !got.SignOffDue.Equal(at(24*40)) || got.Decisions != 5 {
		t.Errorf("row fields: %+v", got)
	}
	if diff := cmp.Diff([]string{"mof"}, got.Pending); diff != "" {
		t.Errorf("pending mismatch (-want +got):\n%s", diff)
	}
	if len(got.Rounds) != 1 || got.Rounds[0].Review.Comment != "补充数据" || got.Rounds[0].Participants[0].Answer.Report != "初稿" {
		t.Errorf("finished rounds: %+v", got.Rounds)
	}
	if a := got.Participants[1].Answer; got.Participants[0].Answer != nil || a == nil || a.Comment != "已补充" {
		t.Errorf("current round's answers: %+v", got.Participants)
	}
	if got.ProgressCount != 1 || got.Progress[0].Round != 2 || got.Outcome != nil {
		t.Errorf("progress %d %+v, outcome %+v", got.ProgressCount, got.Progress, got.Outcome)
	}
}
