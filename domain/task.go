// Package domain is the task of a plan as the joint-conference office knows
// it, apart from any engine or store: its spec and state, the requests people
// make, the status readers see, and the rules every layer shares (when a
// task is open, its traffic light, who is pending and in what order, its
// default due date). The lifecycle workflow, the API, the console and the
// ledger all import it; it imports nothing of theirs, so the deterministic
// core links no database and each rule lives here once.
package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

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
	// PlanTitle is the plan's title, which lists show in place of its ID.
	// The starter records it beside the board; the workflow has no use for
	// it, so it is not part of the workflow's input.
	PlanTitle string `json:"-"`
	TaskNo    string `json:"task_no"`
	Title     string `json:"title"`
	Text      string `json:"text,omitempty"`
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
	// BeyondList is BeyondTheList when the office adds bodies to a task
	// whose plan listed its bodies without 等 (a closed list), knowingly.
	BeyondList string `json:"beyond_list,omitempty"`
}

// BeyondTheList is AmendRequest.BeyondList's one value.
const BeyondTheList = "beyond"

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
	// Round is the task's round after the decision; DecidedIn the round
	// the decision was made in (they differ when it returned the task).
	Round     int `json:"round"`
	DecidedIn int `json:"decided_in,omitempty"`
	// Request is the SHA-256 of the request the decision answered
	// (RequestHash): a caller that sends the same request ID with another
	// body can tell it was given another request's receipt.
	Request string `json:"request_sha256,omitempty"`
	// LeafIndex and LeafHash place the record in the ledger's Merkle tree:
	// with them a ministry asks for, and checks, its inclusion proof
	// (GET /api/ledger/proof?seq=Seq, lianxi audit prove --receipt).
	LeafIndex int64  `json:"leaf_index"`
	LeafHash  string `json:"leaf_hash,omitempty"`
	// Action, Actor and At say which action made the decision, for whom
	// and when, so a retry of it under a new request ID is recognised.
	Action string    `json:"action,omitempty"`
	Actor  string    `json:"actor,omitempty"`
	At     time.Time `json:"at,omitzero"`
}

// RequestHash is the SHA-256, in hex, of a request's JSON: what a receipt
// and a signed claim bind.
func RequestHash(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("hash request: %w", err)
	}
	return RequestDigest(b), nil
}

// RequestDigest is the SHA-256, in hex, of a request's JSON bytes.
func RequestDigest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
