// Package workflows runs one plan task from assignment to closure as a
// Temporal workflow: joint sign-off by every listed ministry (the lead signs
// last with the joint report), review by the office, reminders, deadlines,
// escalation, participant changes, extensions and cancellation.
//
// Every human action is a Workflow Update with a validator, so a rejected
// action leaves nothing in history, and every accepted one is on the ledger
// before the caller gets its receipt.
package workflows

import (
	"time"
)

// TaskQueue is the task queue the lifecycle workflow and its activities use.
const TaskQueue = "lianxi-tasks"

// WorkflowName is the registered name of the lifecycle workflow.
const WorkflowName = "TaskLifecycle"

// Update and query names.
const (
	UpdateSignOff          = "sign-off"
	UpdateReview           = "review"
	UpdateReportProgress   = "report-progress"
	UpdateRequestExtension = "request-extension"
	UpdateDecideExtension  = "decide-extension"
	UpdateAmend            = "amend"
	UpdateCancel           = "cancel"
	UpdateUrge             = "urge"
	QueryStatus            = "status"
)

// Limits on free text, in characters (runes). Longer text is rejected.
const (
	MaxNameLen    = 100
	MaxCommentLen = 2000
	MaxReportLen  = 20000
)

// Status values of a task.
const (
	StatusSigning   = "signing"
	StatusInReview  = "in_review"
	StatusClosed    = "closed"
	StatusCancelled = "cancelled"
)

// Statuses of a task whose run ended outside its lifecycle, as Temporal
// reports the run: an operator terminated it, or it timed out or failed.
const (
	StatusTerminated = "terminated"
	StatusTimedOut   = "timed_out"
	StatusFailed     = "failed"
)

// StatusNames are the statuses as the office names them.
var StatusNames = map[string]string{
	StatusSigning: "会签中", StatusInReview: "待审核", StatusClosed: "办结", StatusCancelled: "已撤销",
	StatusTerminated: "已终止", StatusTimedOut: "已超时", StatusFailed: "运行失败",
}

// Roles of a participant.
const (
	RoleLead = "lead"
	RoleCo   = "co"
)

// Decisions a participant or the office can give.
const (
	DecisionApprove = "approve"
	DecisionObject  = "object"
	DecisionReturn  = "return"
	DecisionGrant   = "grant"
	DecisionRefuse  = "refuse"
)

// Warning colours.
const (
	WarningGreen  = "green"
	WarningYellow = "yellow"
	WarningRed    = "red"
)

// Defaults applied when a TaskSpec leaves a period empty.
const (
	DefaultSignOffPeriod    = 30 * 24 * time.Hour
	DefaultReviewPeriod     = 7 * 24 * time.Hour
	DefaultReminderInterval = 3 * 24 * time.Hour
	DefaultWarningWindow    = 5 * 24 * time.Hour
)

// WorkflowID is the ID of the workflow running a plan's task: "<plan>/<no>".
func WorkflowID(planID, taskNo string) string { return planID + "/" + taskNo }

// TaskSpec describes one task of a plan.
type TaskSpec struct {
	PlanID string `json:"plan_id"`
	TaskNo string `json:"task_no"`
	Title  string `json:"title"`
	Text   string `json:"text,omitempty"`
	// Lead is the lead ministry's ID, empty for a broadcast task.
	Lead string `json:"lead,omitempty"`
	// Participants lists every ministry that signs off, the lead first.
	Participants []string `json:"participants"`
	// OpenList is true when the plan wrote 等: the office may add participants.
	OpenList bool `json:"open_list,omitempty"`
	// SignOffDue is round 1's deadline; zero means start + SignOffPeriod.
	SignOffDue time.Time `json:"sign_off_due,omitempty"`
	// SignOffPeriod is the time each later round gets after a return.
	SignOffPeriod time.Duration `json:"sign_off_period,omitempty"`
	// ReviewPeriod is the office's time to review a joint report.
	ReviewPeriod time.Duration `json:"review_period,omitempty"`
	// ReminderInterval is how often a ministry that has not answered is reminded.
	ReminderInterval time.Duration `json:"reminder_interval,omitempty"`
	// WarningWindow turns the warning yellow this long before a due date.
	WarningWindow time.Duration `json:"warning_window,omitempty"`
}

// TaskInput starts or continues a task workflow.
type TaskInput struct {
	Spec TaskSpec `json:"spec"`
	// State is set only when the workflow continues as new.
	State *TaskState `json:"state,omitempty"`
	// ContinueAsNewAfter, when positive, continues as new once the history
	// is this long, in addition to when the server suggests it.
	ContinueAsNewAfter int `json:"continue_as_new_after,omitempty"`
	// Gen is the lifecycle generation the run was started in (see GenBoard);
	// zero for runs started before generations, which decide by versions.
	Gen int `json:"gen,omitempty"`
}

// GenBoard is the generation in which a run keeps the task's board row on
// the ledger (with every record, in its transaction) instead of its pending
// list in visibility; uses the transactional outbox from its start; leaves
// a running timer alone when a decision only moves a wake-up later; and
// skips the first search-attribute upsert, the launcher having set them.
// Being in the start input, it costs no marker in the history.
const GenBoard = 2

// GenReaderLight is the generation in which the traffic light is left to
// its readers: the board, the status client and the tasks gauge derive it
// from the due date and the warning window when they read. The run no
// longer wakes when its light turns yellow (it still wakes for reminders
// and at the due date, where it escalates) and keeps no LianxiWarning
// search attribute, so a light changing costs no timer and no upsert.
const GenReaderLight = 3

// CurrentGen is the generation new tasks start in.
const CurrentGen = GenReaderLight

// TaskOutcome is the workflow's result.
type TaskOutcome struct {
	Status    string    `json:"status"`
	Rounds    int       `json:"rounds"`
	Decisions int       `json:"decisions"`
	EndedAt   time.Time `json:"ended_at"`
	Comment   string    `json:"comment,omitempty"`
}

// SignOffRequest is a participant's answer for the current round.
type SignOffRequest struct {
	Ministry string `json:"ministry"`
	Signer   string `json:"signer,omitempty"`
	Decision string `json:"decision"`
	Comment  string `json:"comment,omitempty"`
	// Report is the joint report; the lead must file it.
	Report string `json:"report,omitempty"`
	// Attachments are files uploaded for the task beforehand, named by
	// hash; the ledger records them with the answer.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// ReviewRequest is the office's verdict on a joint report.
type ReviewRequest struct {
	Reviewer string `json:"reviewer,omitempty"`
	Decision string `json:"decision"`
	Comment  string `json:"comment,omitempty"`
}

// ProgressRequest is a progress report (进展报送) from a participant.
type ProgressRequest struct {
	Ministry string `json:"ministry"`
	Author   string `json:"author,omitempty"`
	Text     string `json:"text"`
	// Attachments are files uploaded for the task beforehand.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// ExtensionRequest asks the office to move the sign-off due date.
type ExtensionRequest struct {
	Ministry string    `json:"ministry"`
	Until    time.Time `json:"until"`
	Reason   string    `json:"reason"`
}

// ExtensionDecision is the office's answer to the pending extension request.
type ExtensionDecision struct {
	Decider  string `json:"decider,omitempty"`
	Decision string `json:"decision"`
	Comment  string `json:"comment,omitempty"`
}

// AmendRequest changes participants or due dates (office only).
type AmendRequest struct {
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
	// Lead names a new lead; required when removing the current one.
	Lead       string    `json:"lead,omitempty"`
	SignOffDue time.Time `json:"sign_off_due,omitempty"`
	ReviewDue  time.Time `json:"review_due,omitempty"`
	Reason     string    `json:"reason"`
}

// CancelRequest ends the task without closure (office only).
type CancelRequest struct {
	Reason string `json:"reason"`
}

// UrgeRequest has the office press the ministries that have not answered
// in the current round (催办), at once rather than at the next reminder.
type UrgeRequest struct {
	Urger   string `json:"urger,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// MinistryRequest is a request a ministry makes in its own name. The
// ministry is the one the caller authenticated as: the API fills it in from
// the token and the worker checks it against the signed principal before
// any validator runs.
type MinistryRequest interface {
	ActingMinistry() string
}

// ActingMinistry implements MinistryRequest.
func (r SignOffRequest) ActingMinistry() string { return r.Ministry }

// ActingMinistry implements MinistryRequest.
func (r ProgressRequest) ActingMinistry() string { return r.Ministry }

// ActingMinistry implements MinistryRequest.
func (r ExtensionRequest) ActingMinistry() string { return r.Ministry }

// Receipt answers every accepted update: where the decision sits on the ledger.
type Receipt struct {
	DecisionID string `json:"decision_id"`
	Seq        int64  `json:"seq"`
	Hash       string `json:"hash"`
	Status     string `json:"status"`
	Round      int    `json:"round"`
}
