package workflows

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func signOff(m, decision string) SignOffRequest {
	r := SignOffRequest{Ministry: m, Signer: m + "-signer", Decision: decision}
	if decision == DecisionObject {
		r.Comment = "数据口径不一致"
	}
	return r
}

func leadReport() SignOffRequest {
	return SignOffRequest{Ministry: "ndrc", Signer: "张三", Decision: DecisionApprove, Report: "联合报告：已完成"}
}

func TestStartAssignsEveryParticipant(t *testing.T) {
	h := newHarness(t)
	var st TaskStatus
	h.at(time.Minute, func() {
		st = h.status()
		h.update(UpdateCancel, "c1", CancelRequest{Reason: "测试结束"})
	})
	h.run(spec())

	if st.Status != StatusSigning || st.Round != 1 {
		t.Errorf("status = %s round %d, want signing round 1", st.Status, st.Round)
	}
	roles := map[string]string{}
	for _, p := range st.Participants {
		roles[p.ID] = p.Role
	}
	if diff := cmp.Diff(map[string]string{"ndrc": RoleLead, "miit": RoleCo, "mof": RoleCo}, roles); diff != "" {
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
	if !st.SignOffDue.Equal(spec().SignOffDue) || st.Warning != WarningGreen {
		t.Errorf("due %v warning %s, want %v green", st.SignOffDue, st.Warning, spec().SignOffDue)
	}
}

func TestJointSignOffReviewAndClosure(t *testing.T) {
	h := newHarness(t)
	var review TaskStatus
	h.at(time.Hour, func() { h.update(UpdateSignOff, "s1", signOff("mof", DecisionApprove)) })
	h.at(2*time.Hour, func() { h.update(UpdateSignOff, "s2", signOff("miit", DecisionApprove)) })
	h.at(3*time.Hour, func() { h.update(UpdateSignOff, "s3", leadReport()) })
	h.at(4*time.Hour, func() {
		review = h.status()
		h.update(UpdateReview, "r1", ReviewRequest{Reviewer: "办公室", Decision: DecisionApprove, Comment: "同意办结"})
	})
	h.run(spec())

	r1, r2, r3 := h.ok("s1"), h.ok("s2"), h.ok("s3")
	if !(r1.Seq < r2.Seq && r2.Seq < r3.Seq) || r1.Hash == "" || r1.DecisionID != "plan-t/1.1/s1" {
		t.Errorf("receipts not in ledger order: %+v %+v %+v", r1, r2, r3)
	}
	if review.Status != StatusInReview || len(review.Pending) != 0 {
		t.Errorf("after every answer: status %s pending %v, want in_review and none", review.Status, review.Pending)
	}
	if h.notes.count("review_request", "office") != 1 {
		t.Errorf("office not asked to review")
	}
	h.ok("r1")
	out := h.outcome()
	if out.Status != StatusClosed || out.Rounds != 1 || out.Decisions != 5 {
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
	long := strings.Repeat("长", MaxCommentLen+1)
	cases := []struct {
		name string
		req  SignOffRequest
		want string
	}{
		{"not a participant", signOff("mofcom", DecisionApprove), `"mofcom" is not a participant`},
		{"lead before the others", leadReport(), "signs last"},
		{"objection without reason", SignOffRequest{Ministry: "miit", Decision: DecisionObject}, "must give its reason"},
		{"unknown decision", SignOffRequest{Ministry: "miit", Decision: "maybe"}, `decision "maybe"`},
		{"invalid utf-8", SignOffRequest{Ministry: "miit", Decision: DecisionApprove, Comment: "ok\xff"}, "comment is not valid UTF-8"},
		{"control character", SignOffRequest{Ministry: "miit", Decision: DecisionApprove, Comment: "a\x00b"}, "control character"},
		{"too long", SignOffRequest{Ministry: "miit", Decision: DecisionApprove, Comment: long}, "the limit is 2000"},
		{"second answer", signOff("mof", DecisionApprove), "already answered in round 1"},
	}
	h := newHarness(t)
	h.at(time.Minute, func() { h.update(UpdateSignOff, "first", signOff("mof", DecisionApprove)) })
	for i, c := range cases {
		h.at(time.Hour+time.Duration(i)*time.Minute, func() { h.update(UpdateSignOff, c.name, c.req) })
	}
	h.at(2*time.Hour, func() { h.update(UpdateSignOff, "miit", signOff("miit", DecisionApprove)) })
	h.at(3*time.Hour, func() {
		h.update(UpdateSignOff, "lead-no-report", SignOffRequest{Ministry: "ndrc", Decision: DecisionApprove})
	})
	h.at(4*time.Hour, func() { h.update(UpdateSignOff, "lead", leadReport()) })
	h.at(5*time.Hour, func() { h.update(UpdateSignOff, "wrong phase", signOff("mof", DecisionApprove)) })
	h.at(6*time.Hour, func() { h.update(UpdateReview, "close", ReviewRequest{Decision: DecisionApprove}) })
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
	var afterObjection TaskStatus
	h.at(time.Hour, func() { h.update(UpdateSignOff, "o1", signOff("miit", DecisionObject)) })
	h.at(2*time.Hour, func() {
		afterObjection = h.status()
		h.update(UpdateSignOff, "s2", signOff("mof", DecisionApprove))
	})
	h.at(3*time.Hour, func() { h.update(UpdateSignOff, "s3", leadReport()) })
	h.at(4*time.Hour, func() { h.update(UpdateReview, "r", ReviewRequest{Decision: DecisionApprove}) })
	h.run(spec())

	h.ok("o1")
	if h.notes.count("objection_escalation", "office") != 1 {
		t.Errorf("objection not escalated to the office at once")
	}
	if afterObjection.Status != StatusSigning {
		t.Errorf("objection ended the round: status %s", afterObjection.Status)
	}
	if got := h.kinds()[1]; got != "objection" {
		t.Errorf("ledger kind %q, want objection", got)
	}
	if h.outcome().Status != StatusClosed {
		t.Errorf("task not closed after the office approved")
	}
}

func TestReturnStartsAnotherRound(t *testing.T) {
	h := newHarness(t)
	var round2 TaskStatus
	signAll := func(at time.Duration, suffix string) {
		h.at(at, func() { h.update(UpdateSignOff, "mof"+suffix, signOff("mof", DecisionApprove)) })
		h.at(at+time.Minute, func() { h.update(UpdateSignOff, "miit"+suffix, signOff("miit", DecisionApprove)) })
		h.at(at+2*time.Minute, func() { h.update(UpdateSignOff, "ndrc"+suffix, leadReport()) })
	}
	signAll(time.Hour, "-1")
	h.at(2*time.Hour, func() { h.update(UpdateReview, "return-no-comment", ReviewRequest{Decision: DecisionReturn}) })
	h.at(3*time.Hour, func() {
		h.update(UpdateReview, "return", ReviewRequest{Reviewer: "办公室", Decision: DecisionReturn, Comment: "请补充资金安排"})
	})
	h.at(4*time.Hour, func() { round2 = h.status() })
	signAll(5*time.Hour, "-2")
	h.at(6*time.Hour, func() { h.update(UpdateReview, "approve", ReviewRequest{Decision: DecisionApprove}) })
	h.run(spec())

	h.rejected("return-no-comment", "a return must say what to revise")
	h.ok("return")
	if round2.Status != StatusSigning || round2.Round != 2 || len(round2.Pending) != 3 {
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
	if out := h.outcome(); out.Status != StatusClosed || out.Rounds != 2 {
		t.Errorf("outcome = %+v, want closed after 2 rounds", out)
	}
}

func TestProgressReports(t *testing.T) {
	h := newHarness(t)
	var st TaskStatus
	h.at(time.Hour, func() {
		h.update(UpdateReportProgress, "p1", ProgressRequest{Ministry: "miit", Text: "已完成调研"})
	})
	h.at(2*time.Hour, func() { h.update(UpdateReportProgress, "p2", ProgressRequest{Ministry: "mofcom", Text: "x"}) })
	h.at(3*time.Hour, func() { h.update(UpdateReportProgress, "p3", ProgressRequest{Ministry: "miit", Text: "  "}) })
	h.at(4*time.Hour, func() {
		st = h.status()
		h.update(UpdateCancel, "c", CancelRequest{Reason: "end"})
	})
	h.at(5*time.Hour, func() { h.update(UpdateReportProgress, "p4", ProgressRequest{Ministry: "miit", Text: "late"}) })
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
	var granted, refused TaskStatus
	h.at(time.Hour, func() { h.update(UpdateDecideExtension, "nothing", ExtensionDecision{Decision: DecisionGrant}) })
	h.at(2*time.Hour, func() {
		h.update(UpdateRequestExtension, "early", ExtensionRequest{Ministry: "mof", Until: s.SignOffDue.Add(-day), Reason: "r"})
	})
	h.at(3*time.Hour, func() { h.update(UpdateRequestExtension, "noreason", ExtensionRequest{Ministry: "mof", Until: until}) })
	h.at(4*time.Hour, func() {
		h.update(UpdateRequestExtension, "req1", ExtensionRequest{Ministry: "mof", Until: until, Reason: "需协调地方"})
	})
	h.at(5*time.Hour, func() {
		h.update(UpdateRequestExtension, "req-dup", ExtensionRequest{Ministry: "miit", Until: until, Reason: "r"})
	})
	// 17 days in the warning is yellow (window of 4 days before day 20).
	h.at(17*day, func() {
		if st := h.status(); st.Warning != WarningYellow {
			t.Errorf("day 17: warning %s, want yellow", st.Warning)
		}
		h.update(UpdateDecideExtension, "grant", ExtensionDecision{Decider: "办公室", Decision: DecisionGrant, Comment: "同意"})
	})
	h.at(17*day+time.Hour, func() {
		granted = h.status()
		h.update(UpdateRequestExtension, "req2", ExtensionRequest{Ministry: "miit", Until: until.Add(day), Reason: "再延"})
	})
	h.at(17*day+2*time.Hour, func() {
		h.update(UpdateDecideExtension, "refuse", ExtensionDecision{Decision: DecisionRefuse, Comment: "不同意"})
	})
	h.at(17*day+3*time.Hour, func() {
		refused = h.status()
		h.update(UpdateCancel, "c", CancelRequest{Reason: "end"})
	})
	h.run(s)

	h.rejected("nothing", "no extension request waiting")
	h.rejected("early", "is not after the current due date")
	h.rejected("noreason", "reason is required")
	h.ok("req1")
	h.rejected("req-dup", "already waiting for the office")
	h.ok("grant")
	if !granted.SignOffDue.Equal(until) || granted.Warning != WarningGreen {
		t.Errorf("after grant: due %v warning %s, want %v green", granted.SignOffDue, granted.Warning, until)
	}
	if !refused.SignOffDue.Equal(until) || refused.Extensions[1].State != ExtensionRefused {
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
	var st TaskStatus
	h.at(time.Hour, func() { h.update(UpdateAmend, "empty", AmendRequest{Reason: "r"}) })
	h.at(2*time.Hour, func() { h.update(UpdateAmend, "nolead", AmendRequest{Remove: []string{"ndrc"}, Reason: "r"}) })
	h.at(3*time.Hour, func() { h.update(UpdateAmend, "dup", AmendRequest{Add: []string{"mof"}, Reason: "r"}) })
	h.at(4*time.Hour, func() { h.update(UpdateAmend, "noreason", AmendRequest{Add: []string{"mofcom"}}) })
	h.at(5*time.Hour, func() { h.update(UpdateSignOff, "miit", signOff("miit", DecisionApprove)) })
	h.at(6*time.Hour, func() {
		h.update(UpdateAmend, "swap", AmendRequest{Add: []string{"mofcom"}, Remove: []string{"ndrc"}, Lead: "miit", SignOffDue: newDue, Reason: "机构调整"})
	})
	h.at(7*time.Hour, func() {
		st = h.status()
		h.update(UpdateCancel, "c", CancelRequest{Reason: "end"})
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
	if diff := cmp.Diff(map[string]string{"miit": RoleLead, "mof": RoleCo, "mofcom": RoleCo}, got); diff != "" {
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
	h.at(time.Hour, func() { h.update(UpdateCancel, "noreason", CancelRequest{}) })
	h.at(2*time.Hour, func() { h.update(UpdateCancel, "c", CancelRequest{Reason: "任务已并入其他工作"}) })
	h.run(spec())

	h.rejected("noreason", "reason is required")
	h.ok("c")
	if out := h.outcome(); out.Status != StatusCancelled || out.Comment != "任务已并入其他工作" {
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
	h.at(10*day, func() { h.update(UpdateSignOff, "mof", signOff("mof", DecisionApprove)) })
	h.at(31*day, func() { h.update(UpdateSignOff, "miit", signOff("miit", DecisionApprove)) })
	h.at(31*day+time.Hour, func() { h.update(UpdateSignOff, "lead", leadReport()) })
	// Review is due 5 days later (day 36); the office is reminded every 3.
	h.at(38*day, func() { h.update(UpdateReview, "ok", ReviewRequest{Decision: DecisionApprove}) })
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

// From GenReaderLight on, a run never wakes for its light turning yellow
// (readers derive the light): its timers fire only for reminders and the
// due date. A GenBoard run still wakes on the yellow day.
func TestNoWakeForTheLight(t *testing.T) {
	s := spec() // due day 20, window 4 days (yellow from day 16), reminders every 3 days
	wakes := func(gen int) []int {
		h := newHarness(t)
		var days []int
		h.env.SetOnTimerScheduledListener(func(_ string, d time.Duration) {
			at := h.env.Now().Add(d).Sub(testStart)
			if at%day == 0 {
				days = append(days, int(at/day))
			}
		})
		h.at(17*day, func() {
			if st := h.status(); st.Warning != WarningYellow {
				t.Errorf("gen %d, day 17: light %s, want yellow", gen, st.Warning)
			}
			h.update(UpdateCancel, "c", CancelRequest{Reason: "end"})
		})
		h.env.ExecuteWorkflow(TaskWorkflow, TaskInput{Spec: s, Gen: gen})
		if !h.env.IsWorkflowCompleted() {
			t.Fatalf("gen %d: workflow did not complete", gen)
		}
		h.ok("c")
		return days
	}
	if got := wakes(CurrentGen); slices.Contains(got, 16) || !slices.Contains(got, 15) {
		t.Errorf("gen %d: timers for days %v; want reminders (day 15) and no wake on day 16", CurrentGen, got)
	}
	if got := wakes(GenBoard); !slices.Contains(got, 16) {
		t.Errorf("gen %d: timers for days %v; want a wake on day 16 (the light turning yellow)", GenBoard, got)
	}
}
