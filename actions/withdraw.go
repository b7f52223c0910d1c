package actions

import "lianxi/domain"

// Names of the withdraw action, its record and its notification.
const (
	UpdateWithdraw   = "withdraw"
	KindWithdrawal   = "withdrawal"
	NotifyWithdrawal = "withdrawal"
)

// WithdrawRequest takes back the acting ministry's answer of the current
// round (撤回), approval or objection, while the round is still open.
type WithdrawRequest struct {
	Ministry string `json:"ministry"`
	Comment  string `json:"comment,omitempty"`
}

// ActingMinistry implements domain.MinistryRequest.
func (r WithdrawRequest) ActingMinistry() string { return r.Ministry }

// withdraw lets a co-responsible ministry take back its sign-off while the
// round is open: it is pending again, the lead (who signs last) cannot
// close the round without it, and the lead and the office are told. The
// lead's own answer completes the round, so it is never withdrawn.
var withdraw = &Action{
	Name: UpdateWithdraw, Path: "withdraw", Verb: "withdraw",
	Short: "Withdraw your ministry's sign-off of this round (before the lead signs)",
	Label: "撤回会签", Button: "撤回", Who: Participant,
	Kinds:   map[string]string{KindWithdrawal: "撤回会签"},
	Notices: map[string]string{NotifyWithdrawal: "【撤回会签】有单位撤回了对以下任务的会签意见，现重新待其会签"},
	Fields:  []Field{{Name: "comment", Kind: Text, Label: "撤回说明", Help: "why the answer is withdrawn"}},
	Allowed: func(t *domain.Task, m string) error {
		p, err := onTask(t, m)
		if err != nil {
			return err
		}
		if err := signing(t, "withdraw"); err != nil {
			return err
		}
		if p.Answer == nil {
			return domain.Conflict("ministry %s has no answer to withdraw in round %d", m, t.State.Round)
		}
		if p.Role == domain.RoleLead {
			return domain.Conflict("the lead %s signs last; its answer closes the round and cannot be withdrawn", m)
		}
		return nil
	},
	rules: &Rules[WithdrawRequest]{
		Build: func(v Values, m string) WithdrawRequest {
			return WithdrawRequest{Ministry: m, Comment: v.Str("comment")}
		},
		Effect: func(c *domain.Change, r WithdrawRequest) domain.Record {
			p := c.S.Participant(r.Ministry)
			was := p.Answer
			p.Answer = nil
			to := []string{domain.Office}
			if c.S.Lead != "" {
				to = []string{c.S.Lead, domain.Office}
			}
			c.Notify(NotifyWithdrawal, to, r.Ministry+": 撤回"+map[string]string{domain.DecisionApprove: "同意", domain.DecisionObject: "异议"}[was.Decision])
			return domain.Record{Kind: KindWithdrawal, Actor: r.Ministry,
				Payload: domain.Fields("withdrawn", was.Decision, "withdrawn_decision_id", was.DecisionID, "comment", r.Comment)}
		},
	},
}
