package domain

import (
	"slices"
	"time"
	"unicode/utf8"
)

// TaskState is everything the workflow knows about its task. It is one
// struct so continue-as-new can carry it whole.
type TaskState struct {
	Status       string        `json:"status"`
	Round        int           `json:"round"`
	Lead         string        `json:"lead,omitempty"`
	Participants []Participant `json:"participants"`
	// Rounds holds the rounds that ended with a review.
	Rounds     []RoundRecord     `json:"rounds,omitempty"`
	Progress   []ProgressReport  `json:"progress,omitempty"`
	Extensions []ExtensionRecord `json:"extensions,omitempty"`
	SignOffDue time.Time         `json:"sign_off_due"`
	ReviewDue  time.Time         `json:"review_due,omitempty"`
	Warning    string            `json:"warning"`
	// Escalated is the phase key ("signing/2") whose overdue was escalated.
	Escalated    string    `json:"escalated,omitempty"`
	NextReminder time.Time `json:"next_reminder,omitempty"`
	NotifySeq    int       `json:"notify_seq"`
	Decisions    int       `json:"decisions"`
	// LastSeq is the ledger sequence of the last record of the task the
	// state reflects (0 in runs from before it was kept).
	LastSeq   int64     `json:"last_seq,omitempty"`
	Assigned  bool      `json:"assigned"`
	StartedAt time.Time `json:"started_at"`
	// Outcome is set once the task is closed or cancelled.
	Outcome *TaskOutcome `json:"outcome,omitempty"`
	// Receipts maps every accepted request ID to its receipt, so a request
	// retried after continue-as-new is answered once, not applied twice.
	// Bounded runs keep the latest KeepReceipts, oldest first in ReceiptOrder.
	Receipts     map[string]Receipt `json:"receipts,omitempty"`
	ReceiptOrder []string           `json:"receipt_order,omitempty"`
	// ProgressCount counts every progress report, listed or not.
	ProgressCount int `json:"progress_count,omitempty"`
}

// Participant is a ministry on the task and its answer in the current round.
type Participant struct {
	ID     string  `json:"id"`
	Role   string  `json:"role"`
	Answer *Answer `json:"answer,omitempty"`
}

// Answer is one ministry's sign-off.
type Answer struct {
	Decision   string    `json:"decision"`
	Signer     string    `json:"signer,omitempty"`
	Comment    string    `json:"comment,omitempty"`
	Report     string    `json:"report,omitempty"`
	At         time.Time `json:"at"`
	DecisionID string    `json:"decision_id"`
	// Truncated: the comment or report is an excerpt; the full text is on
	// the ledger under DecisionID.
	Truncated bool `json:"truncated,omitempty"`
}

// RoundRecord is a finished round: every answer and the office's review.
type RoundRecord struct {
	Round        int           `json:"round"`
	Participants []Participant `json:"participants"`
	Review       ReviewRecord  `json:"review"`
}

// ReviewRecord is the office's verdict on a round.
type ReviewRecord struct {
	Decision   string    `json:"decision"`
	Reviewer   string    `json:"reviewer,omitempty"`
	Comment    string    `json:"comment,omitempty"`
	At         time.Time `json:"at"`
	DecisionID string    `json:"decision_id"`
}

// ProgressReport is one 进展报送.
type ProgressReport struct {
	Ministry   string    `json:"ministry"`
	Author     string    `json:"author,omitempty"`
	Text       string    `json:"text"`
	Round      int       `json:"round"`
	At         time.Time `json:"at"`
	DecisionID string    `json:"decision_id"`
	// Truncated: Text is an excerpt; the full text is on the ledger.
	Truncated bool `json:"truncated,omitempty"`
}

// Extension request states.
const (
	ExtensionPending = "pending"
	ExtensionGranted = "granted"
	ExtensionRefused = "refused"
)

// ExtensionRecord is one 延期申请 and its outcome.
type ExtensionRecord struct {
	Ministry    string    `json:"ministry"`
	Until       time.Time `json:"until"`
	Reason      string    `json:"reason"`
	RequestedAt time.Time `json:"requested_at"`
	State       string    `json:"state"`
	Decider     string    `json:"decider,omitempty"`
	Comment     string    `json:"comment,omitempty"`
	DecidedAt   time.Time `json:"decided_at,omitempty"`
	// RequestSeq and DecisionSeq are the ledger records' sequence numbers,
	// set by readers that rebuild the list from the ledger (never by the
	// workflow).
	RequestSeq  int64 `json:"request_seq,omitempty"`
	DecisionSeq int64 `json:"decision_seq,omitempty"`
}

// TaskStatus is the answer to the status query.
type TaskStatus struct {
	ID           string        `json:"id"`
	PlanID       string        `json:"plan_id"`
	TaskNo       string        `json:"task_no"`
	Title        string        `json:"title"`
	Text         string        `json:"text,omitempty"`
	OpenList     bool          `json:"open_list"`
	Status       string        `json:"status"`
	Round        int           `json:"round"`
	Lead         string        `json:"lead,omitempty"`
	Participants []Participant `json:"participants"`
	Pending      []string      `json:"pending"`
	SignOffDue   time.Time     `json:"sign_off_due"`
	ReviewDue    time.Time     `json:"review_due,omitempty"`
	Warning      string        `json:"warning"`
	// WarningWindow is how long before its due date the task turns
	// yellow; readers derive the light from it (LightAt).
	WarningWindow time.Duration     `json:"warning_window,omitempty"`
	Rounds        []RoundRecord     `json:"rounds,omitempty"`
	Progress      []ProgressReport  `json:"progress,omitempty"`
	Extensions    []ExtensionRecord `json:"extensions,omitempty"`
	Decisions     int               `json:"decisions"`
	StartedAt     time.Time         `json:"started_at"`
	Outcome       *TaskOutcome      `json:"outcome,omitempty"`
	// ProgressCount counts every progress report; Progress lists the latest.
	ProgressCount int `json:"progress_count"`
}

// Clone copies the state deeply enough that changing the copy's slices
// leaves the original alone (answers and records are replaced, not edited,
// except extensions, which are copied).
func (s *TaskState) Clone() TaskState {
	c := *s
	c.Participants = slices.Clone(s.Participants)
	c.Rounds = slices.Clone(s.Rounds)
	c.Progress = slices.Clone(s.Progress)
	c.Extensions = slices.Clone(s.Extensions)
	c.ReceiptOrder = slices.Clone(s.ReceiptOrder)
	if s.Outcome != nil {
		o := *s.Outcome
		c.Outcome = &o
	}
	return c
}

// Open reports whether the task still takes decisions.
func (s *TaskState) Open() bool { return IsOpen(s.Status) }

// Participant finds a ministry on the task; nil when it is not on it.
func (s *TaskState) Participant(id string) *Participant {
	for i := range s.Participants {
		if s.Participants[i].ID == id {
			return &s.Participants[i]
		}
	}
	return nil
}

// Pending lists the participants that have not answered this round, the
// co-responsible ones first (in plan order) and the lead last.
func (s *TaskState) Pending() []string {
	if s.Status != StatusSigning {
		return []string{}
	}
	out := []string{}
	for _, p := range s.Participants {
		if p.Answer == nil && p.Role != RoleLead {
			out = append(out, p.ID)
		}
	}
	for _, p := range s.Participants {
		if p.Answer == nil && p.Role == RoleLead {
			out = append(out, p.ID)
		}
	}
	return out
}

// CosDone reports whether every co-responsible participant has answered.
func (s *TaskState) CosDone() bool {
	for _, p := range s.Participants {
		if p.Role != RoleLead && p.Answer == nil {
			return false
		}
	}
	return true
}

// IDs lists the task's ministries, the lead first.
func (s *TaskState) IDs() []string {
	out := make([]string, 0, len(s.Participants))
	for _, p := range s.Participants {
		out = append(out, p.ID)
	}
	return out
}

// PendingExtension is the extension request waiting for the office, if any.
func (s *TaskState) PendingExtension() *ExtensionRecord { return PendingExtensionIn(s.Extensions) }

// CurrentDue is the due date of the phase the task is in.
func (s *TaskState) CurrentDue() time.Time { return DueOf(s.Status, s.SignOffDue, s.ReviewDue) }

// View is the state as the status query answers it.
func (s *TaskState) View(spec TaskSpec) TaskStatus {
	return TaskStatus{
		ID:            WorkflowID(spec.PlanID, spec.TaskNo),
		PlanID:        spec.PlanID,
		TaskNo:        spec.TaskNo,
		Title:         spec.Title,
		Text:          cut(spec.Text, MaxTextLen),
		OpenList:      spec.OpenList,
		Status:        s.Status,
		Round:         s.Round,
		Lead:          s.Lead,
		Participants:  slices.Clone(s.Participants),
		Pending:       s.Pending(),
		SignOffDue:    s.SignOffDue,
		ReviewDue:     s.ReviewDue,
		Warning:       s.Warning,
		WarningWindow: spec.WarningWindow,
		Rounds:        s.Rounds,
		Progress:      s.Progress,
		Extensions:    s.Extensions,
		Decisions:     s.Decisions,
		StartedAt:     s.StartedAt,
		Outcome:       s.Outcome,
		// Runs from before bounded state did not count; they list all.
		ProgressCount: max(s.ProgressCount, len(s.Progress)),
	}
}

// cut shortens s to n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// LightAt is the task's traffic light as seen at now: derived from its
// current due date and warning window, so it is right whenever it is read,
// not only as of the run's last wake-up.
func (st TaskStatus) LightAt(now time.Time) string {
	return Light(st.Status, DueOf(st.Status, st.SignOffDue, st.ReviewDue), st.WarningWindow, now)
}

// Task is the task as its rules read it: what it is and where it stands.
// The workflow holds one; a front end builds one from a status (TaskStatus.Task)
// to ask the same rules what it may offer.
type Task struct {
	Spec  TaskSpec
	State TaskState
	// Generation is the rules' generation the deciding run follows: 0 for
	// runs from the release baseline (v0.1.0), RulesConverge for later
	// ones. A state rule added after the baseline applies from its
	// generation on, so older runs replay as they were decided. A front end
	// asking what to offer leaves it 0; the workflow decides.
	Generation int
}

// RulesConverge is the generation of runs that keep up with their ledger
// (and refuse to add bodies beyond a closed list without saying so).
const RulesConverge = 1

// Task rebuilds, from a status, the part of the task its rules read.
func (st TaskStatus) Task() Task {
	return Task{
		Spec: TaskSpec{PlanID: st.PlanID, TaskNo: st.TaskNo, Title: st.Title, Lead: st.Lead, OpenList: st.OpenList, WarningWindow: st.WarningWindow},
		State: TaskState{
			Status: st.Status, Round: st.Round, Lead: st.Lead, Participants: st.Participants,
			Extensions: st.Extensions, SignOffDue: st.SignOffDue, ReviewDue: st.ReviewDue, Outcome: st.Outcome,
		},
	}
}
