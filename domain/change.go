package domain

import (
	"fmt"
	"slices"
	"time"
)

// Change is one decision being applied to a task: the task, the moment,
// the decision's ID, and what the decision tells whom. Its methods are the
// lifecycle's transitions; they only change the state and collect
// notifications, so they are the same in the workflow, in its replay and
// in a test.
type Change struct {
	Spec TaskSpec
	S    *TaskState
	At   time.Time
	// ID is the decision's ID on the ledger.
	ID string
	// Out are the notifications the change causes, recorded with it.
	Out []Notification
	// Rearm is set when a due date or the phase moved: the workflow
	// recomputes its next wake-up.
	Rearm bool
}

// Record is what a decision puts on the ledger besides the task's own
// fields: its kind, who acted (a ministry, the office or the system), the
// person who signed, and the payload.
type Record struct {
	Kind    string
	Actor   string
	Person  string
	Payload map[string]string
}

// Notify tells each recipient, each message with its own idempotency key.
func (c *Change) Notify(kind string, recipients []string, detail string) {
	id := WorkflowID(c.Spec.PlanID, c.Spec.TaskNo)
	for _, r := range recipients {
		c.S.NotifySeq++
		c.Out = append(c.Out, Notification{
			ID: fmt.Sprintf("%s/n%d", id, c.S.NotifySeq), Recipient: r, Kind: kind,
			PlanID: c.Spec.PlanID, TaskNo: c.Spec.TaskNo, Title: c.Spec.Title,
			Round: c.S.Round, Due: c.S.CurrentDue(), Detail: detail,
		})
	}
}

// NotifyAll tells every participant.
func (c *Change) NotifyAll(kind, detail string) { c.Notify(kind, c.S.IDs(), detail) }

// NotifyOffice tells the office.
func (c *Change) NotifyOffice(kind, detail string) { c.Notify(kind, []string{Office}, detail) }

// Finish ends the task with the given status.
func (c *Change) Finish(status, comment string) {
	c.Rearm = true
	c.S.Status = status
	c.S.Outcome = &TaskOutcome{Status: status, Rounds: c.S.Round, Decisions: c.S.Decisions, EndedAt: c.At, Comment: comment}
	c.S.Warning = WarningGreen
}

// EnterReview moves a completed round to the office.
func (c *Change) EnterReview() {
	c.Rearm = true
	c.S.Status = StatusInReview
	c.S.ReviewDue = c.At.Add(c.Spec.ReviewPeriod)
	c.S.NextReminder = c.At.Add(c.Spec.ReminderInterval)
	c.S.Escalated = ""
	c.S.Warning = WarningAt(c.At, c.S.ReviewDue, c.Spec.WarningWindow)
	c.NotifyOffice(NotifyReviewRequest, "")
}

// CompleteRoundIfDone enters review once every participant has answered.
func (c *Change) CompleteRoundIfDone() {
	if c.S.Status == StatusSigning && len(c.S.Pending()) == 0 {
		c.EnterReview()
	}
}

// NextRound starts another round of sign-off after a return.
func (c *Change) NextRound() {
	c.Rearm = true
	c.S.Round++
	c.S.Status = StatusSigning
	for i := range c.S.Participants {
		c.S.Participants[i].Answer = nil
	}
	c.S.SignOffDue = c.At.Add(c.Spec.SignOffPeriod)
	c.S.NextReminder = c.At.Add(c.Spec.ReminderInterval)
	c.S.Escalated = ""
	c.S.Warning = WarningAt(c.At, c.S.SignOffDue, c.Spec.WarningWindow)
}

// ArchiveRound stores the current round's answers with its review.
func (c *Change) ArchiveRound(review ReviewRecord) {
	c.S.Rounds = append(c.S.Rounds, RoundRecord{
		Round: c.S.Round, Participants: slices.Clone(c.S.Participants), Review: review,
	})
}

// MoveDue sets the current phase's due date and starts its warning afresh.
func (c *Change) MoveDue(due time.Time) {
	c.Rearm = true
	if c.S.Status == StatusInReview {
		c.S.ReviewDue = due
	} else {
		c.S.SignOffDue = due
	}
	c.S.Escalated = ""
	c.S.Warning = WarningAt(c.At, due, c.Spec.WarningWindow)
}

// ChangeLead makes id the lead, listed first. The new lead answers again
// in this round, since the lead signs last with the joint report.
func (c *Change) ChangeLead(id string) {
	s := c.S
	i := slices.IndexFunc(s.Participants, func(p Participant) bool { return p.ID == id })
	p := s.Participants[i]
	s.Participants = slices.Delete(s.Participants, i, i+1)
	for j := range s.Participants {
		if s.Participants[j].Role == RoleLead {
			s.Participants[j].Role = RoleCo
		}
	}
	p.Role = RoleLead
	if s.Status == StatusSigning {
		p.Answer = nil
	}
	s.Participants = append([]Participant{p}, s.Participants...)
	s.Lead = id
}

// Fields builds a ledger payload from key/value pairs, leaving out empty
// values so absent text is absent, not "".
func Fields(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}
