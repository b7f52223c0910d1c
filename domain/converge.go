package domain

import "time"

// The ledger is the task's truth. A decision durably on the ledger passed
// the workflow's rules when it was recorded, so it is a decision, whatever
// became of the update that made it: a process killed after the record and
// before its workflow task completed, or an operator's reset to a point
// before it, leaves a record the workflow does not reflect. The workflow
// then adopts it: it reads the records of its task it has not seen and
// applies each as the decision it was (without notifying again: the
// notifications were stored with the record), or, where one can no longer
// apply, says so in a visible record. Nothing new is recorded for a task
// before its workflow has caught up: each record says how far its workflow
// has seen (Reflects), and the ledger refuses one whose workflow is behind.

// Reflects says how much of its task's record a workflow has seen when it
// asks for a new record: the ledger sequence of the last record it reflects,
// and how many records of the task that makes. Runs from before the ledger
// carried LastSeq know only the count: the ledger then counts records.
type Reflects struct {
	LastSeq int64 `json:"last_seq"`
	Count   int   `json:"count"`
}

// ErrTypeLedgerAhead is the error type of a record refused because the
// ledger holds records of the task its workflow does not reflect yet: the
// workflow adopts them and decides again.
const ErrTypeLedgerAhead = "LedgerAhead"

// ReadActivity is the name of the local activity that reads a task's
// records past what its workflow reflects.
const ReadActivity = "ReadTaskRecords"

// ReadInput asks for the records of workflow WorkflowID past Reflects, at
// most Limit of them (and at most about MaxReadBytes of payload).
type ReadInput struct {
	WorkflowID string   `json:"workflow_id"`
	After      Reflects `json:"after"`
	Limit      int      `json:"limit"`
}

// MaxReadBytes bounds the payload one read returns, so its result stays far
// below the size Temporal accepts in a workflow's history; the workflow
// reads again for the rest.
const MaxReadBytes = 512 << 10

// LedgerRecord is a record as the workflow reads it back.
type LedgerRecord struct {
	Entry
	Seq      int64  `json:"seq"`
	Hash     string `json:"hash"`
	LeafHash string `json:"leaf_hash,omitempty"`
}

// Payload keys a human decision's record carries besides its own fields,
// so the decision can be applied again from the ledger alone: the action's
// name and the request as it was sent (its JSON; its SHA-256 is the
// receipt's request_sha256).
const (
	PayloadAction  = "action"
	PayloadRequest = "request"
)

// KindCaughtUp records that a workflow adopted records it had not
// reflected (and which, if any, it could not apply, and why), with the
// board row after them.
const KindCaughtUp = "caught-up"

// UpdateConverge asks a task's workflow to adopt what the ledger holds of
// it now (a reader that sees the board ahead of the status sends it).
const UpdateConverge = "converge"

// ConvergeRequest is UpdateConverge's argument: why it is asked.
type ConvergeRequest struct {
	Reason string `json:"reason"`
}

// ConvergeResult says what a catch-up found.
type ConvergeResult struct {
	Adopted []string `json:"adopted,omitempty"`
	// Refused lists the records that could not apply, and why not.
	Refused []Refusal `json:"refused,omitempty"`
	// Decisions is how many records of the task the workflow now reflects.
	Decisions int       `json:"decisions"`
	At        time.Time `json:"at"`
}

// Refusal is a record a workflow could not adopt, and why.
type Refusal struct {
	DecisionID string `json:"decision_id"`
	Why        string `json:"why"`
}
