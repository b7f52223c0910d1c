package workflows

import (
	"context"
	"lianxi/domain"
	"lianxi/ledger"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func signOff(m, decision string) domain.SignOffRequest {
	r := domain.SignOffRequest{Ministry: m, Signer: m + "-signer", Decision: decision}
	if decision == domain.DecisionObject {
		r.Comment = "数据口径不一致"
	}
	return r
}

func leadReport() domain.SignOffRequest {
	return domain.SignOffRequest{Ministry: "ndrc", Signer: "张三", Decision: domain.DecisionApprove, Report: "联合报告：已完成"}
}

func TestStartAssignsEveryParticipant(t *testing.T) {
	h := newHarness(t)
	var st domain.TaskStatus
	h.at(time.Minute, func() {
		st = h.status()
		h.update(domain.UpdateCancel, "c1", domain.CancelRequest{Reason: "测试结束"})
	})
	h.run(spec())

	if st.Status != domain.StatusSigning || st.Round != 1 {
		t.Errorf("status = %s round %d, want signing round 1", st.Status, st.Round)
	}
	roles := map[string]string{}
	for _, p := range st.Participants {
		roles[p.ID] = p.Role
	}
	if diff := cmp.Diff(map[string]string{"ndrc": domain.RoleLead, "miit": domain.RoleCo, "mof": domain.RoleCo}, roles); diff != "" {
		t.Errorf("roles mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"miit", "mof", "ndrc"}, st.Pending); diff != "" {
		t.Errorf("pending mismatch (-want +got):\n%s", diff)
	}
	for _, m := range []string{"ndrc", "miit", "mof"} {
		if n := h.notes.count("assignment", m); n != 1 {
			t.Errorf("%s got %d assignment notifications, want 1", m, n)
		}
	}
	if k := h.kinds(); len(k) == 0 || k[0] != "assigned" {
		t.Errorf("ledger kinds = %v, want assigned first", k)
	}
	if !st.SignOffDue.Equal(spec().SignOffDue) || st.Warning != domain.WarningGreen {
		t.Errorf("due %v warning %s, want %v green", st.SignOffDue, st.Warning, spec().SignOffDue)
	}
}

func TestJointSignOffReviewAndClosure(t *testing.T) {
	h := newHarness(t)
	var review domain.TaskStatus
	h.at(time.Hour, func() { h.update(domain.UpdateSignOff, "s1", signOff("mof", domain.DecisionApprove)) })
	h.at(2*time.Hour, func() { h.update(domain.UpdateSignOff, "s2", signOff("miit", domain.DecisionApprove)) })
	h.at(3*time.Hour, func() { h.update(domain.UpdateSignOff, "s3", leadReport()) })
	h.at(4*time.Hour, func() {
		review = h.status()
		h.update(domain.UpdateReview, "r1", domain.ReviewRequest{Reviewer: "办公室", Decision: domain.DecisionApprove, Comment: "同意办结"})
	})
	h.run(spec())

	r1, r2, r3 := h.ok("s1"), h.ok("s2"), h.ok("s3")
	if !(r1.Seq < r2.Seq && r2.Seq < r3.Seq) || r1.Hash == "" || r1.DecisionID != "plan-t/1.1/s1" {
		t.Errorf("receipts not in ledger order: %+v %+v %+v", r1, r2, r3)
	}
	if review.Status != domain.StatusInReview || len(review.Pending) != 0 {
		t.Errorf("after every answer: status %s pending %v, want in_review and none", review.Status, review.Pending)
	}
	if h.notes.count("review_request", "office") != 1 {
		t.Errorf("office not asked to review")
	}
	h.ok("r1")
	out := h.outcome()
	if out.Status != domain.StatusClosed || out.Rounds != 1 || out.Decisions != 5 {
		t.Errorf("outcome = %+v, want closed after 1 round with 5 decisions", out)
	}
	want := []string{"assigned", "sign-off", "sign-off", "sign-off", "closure"}
	if diff := cmp.Diff(want, h.kinds()); diff != "" {
		t.Errorf("ledger mismatch (-want +got):\n%s", diff)
	}
	for _, m := range []string{"ndrc", "miit", "mof"} {
		if h.notes.count("closure", m) != 1 {
			t.Errorf("%s not told of the closure", m)
		}
	}
}

func TestSignOffValidatorRejects(t *testing.T) {
	long := strings.Repeat("长", domain.MaxCommentLen+1)
	cases := []struct {
		name string
		req  domain.SignOffRequest
		want string
	}{
		{"not a participant", signOff("mofcom", domain.DecisionApprove), `"mofcom" is not a participant`},
		{"lead before the others", leadReport(), "signs last"},
		{"objection without reason", domain.SignOffRequest{Ministry: "miit", Decision: domain.DecisionObject}, "must give its reason"},
		{"unknown decision", domain.SignOffRequest{Ministry: "miit", Decision: "maybe"}, `decision "maybe"`},
		{"invalid utf-8", domain.SignOffRequest{Ministry: "miit", Decision: domain.DecisionApprove, Comment: "ok\xff"}, "comment is not valid UTF-8"},
		{"control character", domain.SignOffRequest{Ministry: "miit", Decision: domain.DecisionApprove, Comment: "a\x00b"}, "control character"},
		{"too long", domain.SignOffRequest{Ministry: "miit", Decision: domain.DecisionApprove, Comment: long}, "the limit is 2000"},
		{"second answer", signOff("mof", domain.DecisionApprove), "already answered in round 1"},
	}
	h := newHarness(t)
	h.at(time.Minute, func() { h.update(domain.UpdateSignOff, "first", signOff("mof", domain.DecisionApprove)) })
	for i, c := range cases {
		h.at(time.Hour+time.Duration(i)*time.Minute, func() { h.update(domain.UpdateSignOff, c.name, c.req) })
	}
	h.at(2*time.Hour, func() { h.update(domain.UpdateSignOff, "miit", signOff("miit", domain.DecisionApprove)) })
	h.at(3*time.Hour, func() {
		h.update(domain.UpdateSignOff, "lead-no-report", domain.SignOffRequest{Ministry: "ndrc", Decision: domain.DecisionApprove})
	})
	h.at(4*time.Hour, func() { h.update(domain.UpdateSignOff, "lead", leadReport()) })
	h.at(5*time.Hour, func() { h.update(domain.UpdateSignOff, "wrong phase", signOff("mof", domain.DecisionApprove)) })
	h.at(6*time.Hour, func() { h.update(domain.UpdateReview, "close", domain.ReviewRequest{Decision: domain.DecisionApprove}) })
	h.run(spec())

	for _, c := range cases {
		h.rejected(c.name, c.want)
	}
	h.rejected("lead-no-report", "the lead files the joint report")
	h.rejected("wrong phase", "is in_review, not signing")
	// Only the accepted decisions reached the ledger.
	want := []string{"assigned", "sign-off", "sign-off", "sign-off", "closure"}
	if diff := cmp.Diff(want, h.kinds()); diff != "" {
		t.Errorf("ledger mismatch (-want +got):\n%s", diff)
	}
}

func TestObjectionEscalatesAndRoundCompletes(t *testing.T) {
	h := newHarness(t)
	var afterObjection domain.TaskStatus
	h.at(time.Hour, func() { h.update(domain.UpdateSignOff, "o1", signOff("miit", domain.DecisionObject)) })
	h.at(2*time.Hour, func() {
		afterObjection = h.status()
		h.update(domain.UpdateSignOff, "s2", signOff("mof", domain.DecisionApprove))
	})
	h.at(3*time.Hour, func() { h.update(domain.UpdateSignOff, "s3", leadReport()) })
	h.at(4*time.Hour, func() { h.update(domain.UpdateReview, "r", domain.ReviewRequest{Decision: domain.DecisionApprove}) })
	h.run(spec())

	h.ok("o1")
	if h.notes.count("objection_escalation", "office") != 1 {
		t.Errorf("objection not escalated to the office at once")
	}
	if afterObjection.Status != domain.StatusSigning {
		t.Errorf("objection ended the round: status %s", afterObjection.Status)
	}
	if got := h.kinds()[1]; got != "objection" {
		t.Errorf("ledger kind %q, want objection", got)
	}
	if h.outcome().Status != domain.StatusClosed {
		t.Errorf("task not closed after the office approved")
	}
}

func TestReturnStartsAnotherRound(t *testing.T) {
	h := newHarness(t)
	var round2 domain.TaskStatus
	signAll := func(at time.Duration, suffix string) {
		h.at(at, func() { h.update(domain.UpdateSignOff, "mof"+suffix, signOff("mof", domain.DecisionApprove)) })
		h.at(at+time.Minute, func() { h.update(domain.UpdateSignOff, "miit"+suffix, signOff("miit", domain.DecisionApprove)) })
		h.at(at+2*time.Minute, func() { h.update(domain.UpdateSignOff, "ndrc"+suffix, leadReport()) })
	}
	signAll(time.Hour, "-1")
	h.at(2*time.Hour, func() {
		h.update(domain.UpdateReview, "return-no-comment", domain.ReviewRequest{Decision: domain.DecisionReturn})
	})
	h.at(3*time.Hour, func() {
		h.update(domain.UpdateReview, "return", domain.ReviewRequest{Reviewer: "办公室", Decision: domain.DecisionReturn, Comment: "请补充资金安排"})
	})
	h.at(4*time.Hour, func() { round2 = h.status() })
	signAll(5*time.Hour, "-2")
	h.at(6*time.Hour, func() {
		h.update(domain.UpdateReview, "approve", domain.ReviewRequest{Decision: domain.DecisionApprove})
	})
	h.run(spec())

	h.rejected("return-no-comment", "a return must say what to revise")
	h.ok("return")
	if round2.Status != domain.StatusSigning || round2.Round != 2 || len(round2.Pending) != 3 {
		t.Errorf("after return: %s round %d pending %v, want signing round 2 with all pending", round2.Status, round2.Round, round2.Pending)
	}
	if len(round2.Rounds) != 1 || round2.Rounds[0].Review.Comment != "请补充资金安排" {
		t.Errorf("round 1 not archived with its review: %+v", round2.Rounds)
	}
	if want := testStart.Add(3*time.Hour + 10*day); !round2.SignOffDue.Equal(want) {
		t.Errorf("round 2 due %v, want %v", round2.SignOffDue, want)
	}
	for _, m := range []string{"ndrc", "miit", "mof"} {
		if h.notes.count("return", m) != 1 {
			t.Errorf("%s not told of the return", m)
		}
	}
	h.ok("ndrc-2")
	if out := h.outcome(); out.Status != domain.StatusClosed || out.Rounds != 2 {
		t.Errorf("outcome = %+v, want closed after 2 rounds", out)
	}
}

func TestProgressReports(t *testing.T) {
	h := newHarness(t)
	var st domain.TaskStatus
	h.at(time.Hour, func() {
		h.update(domain.UpdateReportProgress, "p1", domain.ProgressRequest{Ministry: "miit", Text: "已完成调研"})
	})
	h.at(2*time.Hour, func() {
		h.update(domain.UpdateReportProgress, "p2", domain.ProgressRequest{Ministry: "mofcom", Text: "x"})
	})
	h.at(3*time.Hour, func() {
		h.update(domain.UpdateReportProgress, "p3", domain.ProgressRequest{Ministry: "miit", Text: "  "})
	})
	h.at(4*time.Hour, func() {
		st = h.status()
		h.update(domain.UpdateCancel, "c", domain.CancelRequest{Reason: "end"})
	})
	h.at(5*time.Hour, func() {
		h.update(domain.UpdateReportProgress, "p4", domain.ProgressRequest{Ministry: "miit", Text: "late"})
	})
	h.run(spec())

	h.ok("p1")
	h.rejected("p2", "not a participant")
	h.rejected("p3", "text is required")
	if len(st.Progress) != 1 || st.Progress[0].Text != "已完成调研" || st.Progress[0].Round != 1 {
		t.Errorf("progress = %+v", st.Progress)
	}
	if k := h.kinds(); !slices.Contains(k, "progress") {
		t.Errorf("progress not on the ledger: %v", k)
	}
}

func TestExtensionGrantedAndRefused(t *testing.T) {
	h := newHarness(t)
	s := spec()
	until := s.SignOffDue.Add(10 * day)
	var granted, refused domain.TaskStatus
	h.at(time.Hour, func() {
		h.update(domain.UpdateDecideExtension, "nothing", domain.ExtensionDecision{Decision: domain.DecisionGrant})
	})
	h.at(2*time.Hour, func() {
		h.update(domain.UpdateRequestExtension, "early", domain.ExtensionRequest{Ministry: "mof", Until: s.SignOffDue.Add(-day), Reason: "r"})
	})
	h.at(3*time.Hour, func() {
		h.update(domain.UpdateRequestExtension, "noreason", domain.ExtensionRequest{Ministry: "mof", Until: until})
	})
	h.at(4*time.Hour, func() {
		h.update(domain.UpdateRequestExtension, "req1", domain.ExtensionRequest{Ministry: "mof", Until: until, Reason: "需协调地方"})
	})
	h.at(5*time.Hour, func() {
		h.update(domain.UpdateRequestExtension, "req-dup", domain.ExtensionRequest{Ministry: "miit", Until: until, Reason: "r"})
	})
	// 17 days in the warning is yellow (window of 4 days before day 20).
	h.at(17*day, func() {
		if st := h.status(); st.Warning != domain.WarningYellow {
			t.Errorf("day 17: warning %s, want yellow", st.Warning)
		}
		h.update(domain.UpdateDecideExtension, "grant", domain.ExtensionDecision{Decider: "办公室", Decision: domain.DecisionGrant, Comment: "同意"})
	})
	h.at(17*day+time.Hour, func() {
		granted = h.status()
		h.update(domain.UpdateRequestExtension, "req2", domain.ExtensionRequest{Ministry: "miit", Until: until.Add(day), Reason: "再延"})
	})
	h.at(17*day+2*time.Hour, func() {
		h.update(domain.UpdateDecideExtension, "refuse", domain.ExtensionDecision{Decision: domain.DecisionRefuse, Comment: "不同意"})
	})
	h.at(17*day+3*time.Hour, func() {
		refused = h.status()
		h.update(domain.UpdateCancel, "c", domain.CancelRequest{Reason: "end"})
	})
	h.run(s)

	h.rejected("nothing", "no extension request waiting")
	h.rejected("early", "is not after the current due date")
	h.rejected("noreason", "reason is required")
	h.ok("req1")
	h.rejected("req-dup", "already waiting for the office")
	h.ok("grant")
	if !granted.SignOffDue.Equal(until) || granted.Warning != domain.WarningGreen {
		t.Errorf("after grant: due %v warning %s, want %v green", granted.SignOffDue, granted.Warning, until)
	}
	if !refused.SignOffDue.Equal(until) || refused.Extensions[1].State != domain.ExtensionRefused {
		t.Errorf("after refusal: due %v extensions %+v", refused.SignOffDue, refused.Extensions)
	}
	if h.notes.count("extension_decision", "mof") != 1 || h.notes.count("extension_decision", "miit") != 1 {
		t.Errorf("requesters not told the decision")
	}
	if h.notes.count("extension_request", "office") != 2 {
		t.Errorf("office not told of both requests")
	}
}

func TestAmendParticipantsAndDueDate(t *testing.T) {
	h := newHarness(t)
	newDue := testStart.Add(40 * day)
	var st domain.TaskStatus
	h.at(time.Hour, func() { h.update(domain.UpdateAmend, "empty", domain.AmendRequest{Reason: "r"}) })
	h.at(2*time.Hour, func() {
		h.update(domain.UpdateAmend, "nolead", domain.AmendRequest{Remove: []string{"ndrc"}, Reason: "r"})
	})
	h.at(3*time.Hour, func() { h.update(domain.UpdateAmend, "dup", domain.AmendRequest{Add: []string{"mof"}, Reason: "r"}) })
	h.at(4*time.Hour, func() { h.update(domain.UpdateAmend, "noreason", domain.AmendRequest{Add: []string{"mofcom"}}) })
	h.at(5*time.Hour, func() { h.update(domain.UpdateSignOff, "miit", signOff("miit", domain.DecisionApprove)) })
	h.at(6*time.Hour, func() {
		h.update(domain.UpdateAmend, "swap", domain.AmendRequest{Add: []string{"mofcom"}, Remove: []string{"ndrc"}, Lead: "miit", SignOffDue: newDue, Reason: "机构调整"})
	})
	h.at(7*time.Hour, func() {
		st = h.status()
		h.update(domain.UpdateCancel, "c", domain.CancelRequest{Reason: "end"})
	})
	h.run(spec())

	h.rejected("empty", "amend changes nothing")
	h.rejected("nolead", "needs a new lead")
	h.rejected("dup", "already a participant")
	h.rejected("noreason", "reason is required")
	h.ok("swap")
	got := map[string]string{}
	for _, p := range st.Participants {
		got[p.ID] = p.Role
	}
	if diff := cmp.Diff(map[string]string{"miit": domain.RoleLead, "mof": domain.RoleCo, "mofcom": domain.RoleCo}, got); diff != "" {
		t.Errorf("participants mismatch (-want +got):\n%s", diff)
	}
	if st.Lead != "miit" || st.Participants[0].ID != "miit" || st.Participants[0].Answer != nil {
		t.Errorf("new lead must be first and answer again: %+v", st.Participants)
	}
	if !st.SignOffDue.Equal(newDue) {
		t.Errorf("due %v, want %v", st.SignOffDue, newDue)
	}
	if h.notes.count("assignment", "mofcom") != 1 || h.notes.count("participant_changed", "ndrc") != 1 {
		t.Errorf("added/removed ministries not notified")
	}
}

func TestCancel(t *testing.T) {
	h := newHarness(t)
	h.at(time.Hour, func() { h.update(domain.UpdateCancel, "noreason", domain.CancelRequest{}) })
	h.at(2*time.Hour, func() {
		h.update(domain.UpdateCancel, "c", domain.CancelRequest{Reason: "任务已并入其他工作"})
	})
	h.run(spec())

	h.rejected("noreason", "reason is required")
	h.ok("c")
	if out := h.outcome(); out.Status != domain.StatusCancelled || out.Comment != "任务已并入其他工作" {
		t.Errorf("outcome = %+v", out)
	}
	if h.notes.count("cancellation", "mof") != 1 {
		t.Errorf("participants not told of the cancellation")
	}
}

func TestRemindersWarningsAndEscalation(t *testing.T) {
	h := newHarness(t)
	s := spec() // due day 20, window 4 days, reminders every 3 days
	colours := map[int]string{}
	for _, d := range []int{1, 15, 17, 21, 30} {
		h.at(time.Duration(d)*day+time.Minute, func() { colours[d] = h.status().Warning })
	}
	h.at(10*day, func() { h.update(domain.UpdateSignOff, "mof", signOff("mof", domain.DecisionApprove)) })
	h.at(31*day, func() { h.update(domain.UpdateSignOff, "miit", signOff("miit", domain.DecisionApprove)) })
	h.at(31*day+time.Hour, func() { h.update(domain.UpdateSignOff, "lead", leadReport()) })
	// Review is due 5 days later (day 36); the office is reminded every 3.
	h.at(38*day, func() { h.update(domain.UpdateReview, "ok", domain.ReviewRequest{Decision: domain.DecisionApprove}) })
	h.run(s)

	if diff := cmp.Diff(map[int]string{1: "green", 15: "green", 17: "yellow", 21: "red", 30: "red"}, colours); diff != "" {
		t.Errorf("warning colours mismatch (-want +got):\n%s", diff)
	}
	// Reminders on days 3,6,9 to all three; mof answered on day 10, so
	// from day 12 (12..30) only miit and ndrc: 7 more for them.
	if got := h.notes.count("reminder", "mof"); got != 3 {
		t.Errorf("mof reminded %d times, want 3", got)
	}
	if got := h.notes.count("reminder", "miit"); got != 10 {
		t.Errorf("miit reminded %d times, want 10", got)
	}
	// Overdue escalated once in signing (day 20) and once in review (day 36).
	if got := h.notes.count("overdue_escalation", "office"); got != 2 {
		t.Errorf("overdue escalated %d times, want 2", got)
	}
	// Review reminders to the office on days 34 and 37.
	if got := h.notes.count("reminder", "office"); got != 2 {
		t.Errorf("office reminded %d times, want 2", got)
	}
	if k := h.kinds(); slices.Index(k, "escalation") < 0 {
		t.Errorf("escalation not on the ledger: %v", k)
	}
}

// A run never wakes for its light turning yellow (readers derive the
// light): its timers fire only for reminders and the due date.
func TestNoWakeForTheLight(t *testing.T) {
	s := spec() // due day 20, window 4 days (yellow from day 16), reminders every 3 days
	h := newHarness(t)
	var days []int
	h.env.SetOnTimerScheduledListener(func(_ string, d time.Duration) {
		at := h.env.Now().Add(d).Sub(testStart)
		if at%day == 0 {
			days = append(days, int(at/day))
		}
	})
	h.at(17*day, func() {
		if got := h.status().LightAt(h.env.Now()); got != domain.WarningYellow {
			t.Errorf("day 17: light %s, want yellow", got)
		}
		h.update(domain.UpdateCancel, "c", domain.CancelRequest{Reason: "end"})
	})
	h.env.ExecuteWorkflow(TaskWorkflow, TaskInput{Spec: s})
	if !h.env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	h.ok("c")
	if slices.Contains(days, 16) || !slices.Contains(days, 15) {
		t.Errorf("timers for days %v; want reminders (day 15) and no wake on day 16", days)
	}
}

// A plan that lists a task's bodies without 等 closes the list: the office
// adds a body beyond it only by saying so, and the record says it did.
func TestAmendRespectsAClosedList(t *testing.T) {
	h := newHarness(t)
	s := spec()
	s.OpenList = false
	h.at(time.Hour, func() {
		h.update(domain.UpdateAmend, "quiet", domain.AmendRequest{Add: []string{"mofcom"}, Reason: "增加商务部"})
	})
	h.at(2*time.Hour, func() {
		h.update(domain.UpdateAmend, "remove", domain.AmendRequest{Remove: []string{"mof"}, Reason: "财政部不再参与"})
	})
	h.at(3*time.Hour, func() {
		h.update(domain.UpdateAmend, "beyond", domain.AmendRequest{Add: []string{"mofcom"}, Reason: "增加商务部", BeyondList: domain.BeyondTheList})
	})
	h.at(4*time.Hour, func() { h.update(domain.UpdateCancel, "c", domain.CancelRequest{Reason: "end"}) })
	h.run(s)
	h.rejected("quiet", "closed list")
	h.ok("remove")
	h.ok("beyond")
	beyond := 0
	if err := h.ledger.Scan(context.Background(), func(r ledger.Record) error {
		if r.Kind == domain.KindAmend && r.Payload["beyond_list"] == domain.BeyondTheList && r.Payload["add"] == "mofcom" {
			beyond++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if beyond != 1 {
		t.Errorf("%d amend records say they went beyond the list, want 1", beyond)
	}
}
