package workflows

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lianxi/actions"
	"lianxi/domain"
)

// A co-responsible ministry withdraws its sign-off while the round is
// open: it is pending again, the lead cannot sign until it answers anew,
// the lead and the office are told, and the ledger records who withdrew
// what. Withdrawing nothing, for another ministry's sake, by the lead or
// after the round closed is refused.
func TestWithdrawSignOff(t *testing.T) {
	h := newHarness(t)
	var after domain.TaskStatus
	h.at(time.Hour, func() { h.update(domain.UpdateSignOff, "s1", signOff("mof", domain.DecisionApprove)) })
	h.at(2*time.Hour, func() { h.update(actions.UpdateWithdraw, "w0", actions.WithdrawRequest{Ministry: "miit"}) })
	h.at(3*time.Hour, func() {
		h.update(actions.UpdateWithdraw, "w1", actions.WithdrawRequest{Ministry: "mof", Comment: "数据需复核"})
	})
	h.at(4*time.Hour, func() {
		after = h.status()
		h.update(domain.UpdateSignOff, "s2", signOff("miit", domain.DecisionApprove))
	})
	h.at(5*time.Hour, func() { h.update(domain.UpdateSignOff, "lead-early", leadReport()) })
	h.at(6*time.Hour, func() { h.update(domain.UpdateSignOff, "s3", signOff("mof", domain.DecisionObject)) })
	h.at(7*time.Hour, func() { h.update(domain.UpdateSignOff, "s4", leadReport()) })
	h.at(8*time.Hour, func() { h.update(actions.UpdateWithdraw, "w-late", actions.WithdrawRequest{Ministry: "mof"}) })
	h.at(9*time.Hour, func() { h.update(domain.UpdateCancel, "c", domain.CancelRequest{Reason: "结束"}) })
	h.run(spec())

	h.rejected("w0", "ministry miit has no answer to withdraw in round 1")
	h.ok("w1")
	if diff := cmp.Diff([]string{"miit", "mof", "ndrc"}, after.Pending); diff != "" {
		t.Errorf("pending after the withdrawal (-want +got):\n%s", diff)
	}
	h.ok("s2")
	h.rejected("lead-early", "the lead ndrc signs last: still waiting for mof")
	h.ok("s3")
	h.ok("s4")
	h.rejected("w-late", "cannot withdraw: task 1.1 is in_review, not signing")
	want := []string{"assigned", "sign-off", "withdrawal", "sign-off", "objection", "sign-off", "cancel"}
	if diff := cmp.Diff(want, h.kinds()); diff != "" {
		t.Errorf("ledger mismatch (-want +got):\n%s", diff)
	}
	for _, to := range []string{"ndrc", "office"} {
		if h.notes.count(actions.NotifyWithdrawal, to) != 1 {
			t.Errorf("%s was not told of the withdrawal", to)
		}
	}
	if h.notes.count(actions.NotifyWithdrawal, "miit") != 0 {
		t.Error("a ministry not concerned was told of the withdrawal")
	}
}
