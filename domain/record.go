package domain

import (
	"errors"
	"fmt"
	"time"
)

// Kinds of record on the ledger. Each human action names its kinds in its
// definition (package actions); the clock's kinds are the workflow's own.
const (
	KindAssigned          = "assigned"
	KindSignOff           = "sign-off"
	KindObjection         = "objection"
	KindProgress          = "progress"
	KindReview            = "review"
	KindReturn            = "return"
	KindClosure           = "closure"
	KindExtensionRequest  = "extension-request"
	KindExtensionDecision = "extension-decision"
	KindAmend             = "amend"
	KindCancel            = "cancel"
	KindEscalation        = "escalation"
	KindUrge              = "urge"
	KindReminder          = "reminder"
	// KindRunEnded records that a task's run ended outside its lifecycle
	// (an operator terminated it, or it timed out or failed), written by
	// whoever notices first, so the record tells what the workflow cannot.
	KindRunEnded = "run-ended"
)

// SystemKinds are the kinds the workflow records on its own (the clock and
// the launch), not in answer to a person's update.
var SystemKinds = []string{KindAssigned, KindEscalation, KindReminder, KindRunEnded, KindCaughtUp}

// Actor of the records the clock makes.
const ActorSystem = "system"

// Entry is a decision as the workflow hands it over for recording.
type Entry struct {
	// DecisionID is unique across the ledger; recording it twice returns the
	// first record. Human decisions use the caller's request ID.
	DecisionID string            `json:"decision_id"`
	WorkflowID string            `json:"workflow_id"`
	RunID      string            `json:"run_id"`
	PlanID     string            `json:"plan_id"`
	TaskNo     string            `json:"task_no"`
	Round      int               `json:"round"`
	Kind       string            `json:"kind"`
	Ministry   string            `json:"ministry"`
	Person     string            `json:"person,omitempty"`
	Payload    map[string]string `json:"payload,omitempty"`
	At         time.Time         `json:"at"`
}

// ErrInvalidEntry reports an entry that cannot be recorded.
var ErrInvalidEntry = errors.New("invalid ledger entry")

// Validate checks the fields every record needs.
func (e Entry) Validate() error {
	switch {
	case e.DecisionID == "":
		return fmt.Errorf("%w: decision_id is empty", ErrInvalidEntry)
	case e.Kind == "":
		return fmt.Errorf("%w: kind is empty", ErrInvalidEntry)
	case e.WorkflowID == "":
		return fmt.Errorf("%w: workflow_id is empty", ErrInvalidEntry)
	}
	return nil
}

// Notification kinds.
const (
	NotifyAssignment         = "assignment"
	NotifyReminder           = "reminder"
	NotifyOverdue            = "overdue_escalation"
	NotifyObjection          = "objection_escalation"
	NotifyReviewRequest      = "review_request"
	NotifyReturn             = "return"
	NotifyClosure            = "closure"
	NotifyCancellation       = "cancellation"
	NotifyExtensionRequest   = "extension_request"
	NotifyExtensionDecision  = "extension_decision"
	NotifyParticipantChanged = "participant_changed"
	NotifyUrge               = "urge"
)

// Office is the recipient ID (and actor) of the joint-conference office.
const Office = "office"

// Notification is one message to one recipient.
type Notification struct {
	// ID is the idempotency key: the same ID is delivered at most once.
	ID        string    `json:"id"`
	Recipient string    `json:"recipient"`
	Kind      string    `json:"kind"`
	PlanID    string    `json:"plan_id"`
	TaskNo    string    `json:"task_no"`
	Title     string    `json:"title"`
	Round     int       `json:"round"`
	Due       time.Time `json:"due"`
	// Detail carries the kind-specific words: the objecting ministry, the
	// return comment, the extension outcome.
	Detail string `json:"detail,omitempty"`
}

// BoardRow is one task as the office's dashboard and the ministries' inboxes
// list it: the state after the task's latest record. The workflow sends it
// with each record and it is written in the record's own transaction, so
// the board never shows a decision the ledger does not hold, nor misses
// one it does. Warning colours are not stored: a reader derives them from
// the due date and WarningWindow at the time it reads.
type BoardRow struct {
	WorkflowID   string    `json:"workflow_id"`
	PlanID       string    `json:"plan_id"`
	TaskNo       string    `json:"task_no"`
	Title        string    `json:"title"`
	Status       string    `json:"status"`
	Round        int       `json:"round"`
	Lead         string    `json:"lead"`
	Participants []string  `json:"participants"`
	Pending      []string  `json:"pending"`
	Due          time.Time `json:"due"`
	// WarningWindow is how long before Due the task turns yellow.
	WarningWindow time.Duration `json:"warning_window"`
	// Decisions counts the task's records; a row never replaces a newer one.
	Decisions int       `json:"decisions"`
	UpdatedAt time.Time `json:"updated_at"`
}

// RecordInput asks for one decision to be recorded, with the notifications
// it causes and the task's board row after it, in one transaction.
type RecordInput struct {
	Entry Entry
	// Reflects, when set, is how much of the task's record its workflow
	// has seen: the ledger refuses the record (ErrTypeLedgerAhead) when it
	// holds more.
	Reflects      *Reflects      `json:",omitempty"`
	Notifications []Notification `json:",omitempty"`
	Board         *BoardRow      `json:",omitempty"`
}

// RecordResult is the ledger's receipt for a record.
type RecordResult struct {
	DecisionID string `json:"decision_id"`
	Seq        int64  `json:"seq"`
	Hash       string `json:"hash"`
	// LeafHash is the record's RFC 6962 leaf hash (hex) in the ledger's
	// Merkle tree, where it is leaf Seq-1.
	LeafHash string `json:"leaf_hash,omitempty"`
}

// Error types of the activities' non-retryable failures, named in the
// workflow's retry policies.
const (
	ErrTypeInvalidEntry        = "InvalidEntry"
	ErrTypeNotificationRefused = "NotificationRefused"
)

// RecordActivity is the name the worker registers the recording local
// activity under; the workflow calls it by name, so it links no store.
const RecordActivity = "RecordDecision"
