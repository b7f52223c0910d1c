// Package taskclient is the caller's side of a task workflow: the updates,
// the status query and the visibility listing that the CLI, the HTTP API and
// the benchmark share.
package taskclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"lianxi/board"
	"lianxi/domain"
	"lianxi/door"
)

// Client wraps a Temporal client with the task operations.
type Client struct {
	C         client.Client
	Namespace string
	// Wait bounds how long Update waits for a receipt; default DefaultWait.
	Wait time.Duration
	// Board, when set, is where List reads: the rows each task writes on
	// the ledger with its records. Without it List reads visibility.
	Board BoardSource
	// Ledger, with Board, keeps a task readable after Temporal deleted its
	// history, and lets a read that finds a run ended outside its lifecycle
	// mark its board row ended at once.
	Ledger LedgerSource
	// Now is the clock warning colours are read at; default time.Now.
	Now func() time.Time
}

// BoardSource reads the board, and marks ended the row of a run found
// ended outside its lifecycle (board.Store does).
type BoardSource interface {
	List(ctx context.Context, f board.Filter) ([]domain.BoardRow, error)
	boardEnder
}

// DefaultWait is how long an update waits for its receipt before the
// caller is told to send it again: longer than the ledger's own timeout, so
// a refused record is answered, much shorter than an HTTP client's patience.
const DefaultWait = 20 * time.Second

// ErrTypeNoAnswer is the Rejection type of an update that got no answer in
// time: the workflow may still record it; the same request ID gets its
// receipt once it has.
const ErrTypeNoAnswer = "NoAnswerYet"

// errTypeRunEndedFirst is the type the server gives an update that was
// accepted by a run that then ended (or continued as new) before the update
// completed.
const errTypeRunEndedFirst = "AcceptedUpdateCompletedWorkflow"

// ErrNotFound reports an unknown task.
var ErrNotFound = errors.New("task not found")

// Rejection is an update the workflow refused; Type is one of the
// workflows.ErrType* values and Message says why.
type Rejection struct {
	Type    string
	Message string
	// Field names the request field at fault, when the workflow said.
	Field string
	// Seen is how many records of the task the refusing state reflected,
	// when the workflow said (-1 otherwise).
	Seen int
}

func (r *Rejection) Error() string { return r.Message }

// Update sends one update and waits for its receipt. requestID is the
// update ID: sending the same request ID again returns the first answer.
// An empty requestID gets a fresh one.
func (c *Client) Update(ctx context.Context, taskID, name, requestID string, arg any) (domain.Receipt, error) {
	if requestID == "" {
		requestID = uuid.NewString()
	}
	r, err := c.update(ctx, taskID, name, requestID, arg)
	var rej *Rejection
	if errors.As(err, &rej) && rej.Type == domain.ErrTypeConflict {
		// The workflow may be behind its ledger (after a reset, or a crash
		// between a record and its workflow task): once it has adopted
		// what the ledger holds, the request is decided again. A rejected
		// update left nothing behind, so its request ID is free.
		if rej.Seen >= 0 && c.boardAhead(ctx, taskID, rej.Seen) {
			// Even if the converge gets no answer, the workflow may have
			// caught up meanwhile (a reset run does on its own record).
			_, _ = c.Converge(ctx, taskID, "refusal")
			return c.update(ctx, taskID, name, requestID, arg)
		}
	}
	return r, err
}

// Converge asks a task's workflow to adopt the records of its task on the
// ledger it does not reflect yet, and says what it adopted. It acts for
// the principal in ctx, or the launcher when there is none: it decides
// nothing new.
func (c *Client) Converge(ctx context.Context, taskID, reason string) (domain.ConvergeResult, error) {
	wait := c.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	wctx, cancel := context.WithTimeout(door.OrPrincipal(ctx, door.Launcher), wait)
	defer cancel()
	var res domain.ConvergeResult
	h, err := c.C.UpdateWorkflow(wctx, client.UpdateWorkflowOptions{
		WorkflowID: taskID, UpdateID: uuid.NewString(), UpdateName: domain.UpdateConverge,
		Args: []any{domain.ConvergeRequest{Reason: reason}}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(wctx, &res)
	}
	return res, classify(taskID, err)
}

func (c *Client) update(ctx context.Context, taskID, name, requestID string, arg any) (domain.Receipt, error) {
	wait := c.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	h, err := c.C.UpdateWorkflow(wctx, client.UpdateWorkflowOptions{
		WorkflowID: taskID, UpdateID: requestID, UpdateName: name,
		Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var r domain.Receipt
	if err == nil {
		err = h.Get(wctx, &r)
	}
	var timedOut *client.WorkflowUpdateServiceTimeoutOrCanceledError
	// The workflow task carrying the update failed (a worker lost or
	// timed out mid-task): nothing was decided, and the same request may
	// be sent again.
	var notReady *serviceerror.WorkflowNotReady
	if err != nil && (wctx.Err() != nil || errors.As(err, &timedOut) || errors.As(err, &notReady)) && ctx.Err() == nil {
		return r, &Rejection{Type: ErrTypeNoAnswer, Message: fmt.Sprintf(
			"%s on %s got no answer within %s: the ledger or the workers may be unavailable; an accepted decision waits and is recorded once the ledger answers — send the same request (same request ID) again to get its receipt", name, taskID, wait)}
	}
	err = classify(taskID, err)
	if rej, ok := err.(*Rejection); ok && rej.Type == errTypeRunEndedFirst {
		// The run continued as new (or ended) while this update was under
		// way, before it was answered: nothing of it is in the new run.
		if c.ended(ctx, taskID) == nil {
			return r, &Rejection{Type: ErrTypeNoAnswer, Message: fmt.Sprintf(
				"%s on %s got no answer: the task's run rolled over while it was under way — send the same request (same request ID) again to get its receipt", name, taskID)}
		}
		err = ErrNotFound
	}
	if err == nil && r.Request != "" {
		// Temporal answers a request ID it has seen with that request's
		// outcome, whatever is sent with it now.
		if sent, herr := domain.RequestHash(arg); herr == nil && sent != r.Request {
			return domain.Receipt{}, &Rejection{Type: domain.ErrTypeConflict, Seen: -1, Message: fmt.Sprintf(
				"request ID %s was already used on %s for another request (receipt %s); nothing was recorded for this one: send it with a new request ID", requestID, taskID, r.DecisionID)}
		}
	}
	if errors.Is(err, ErrNotFound) {
		if ended := c.ended(ctx, taskID); ended != nil {
			return r, ended
		}
		if gone := c.gone(ctx, taskID); gone != nil {
			return r, gone
		}
	}
	return r, err
}

// ended explains why a task that exists takes no updates: it is closed or
// cancelled (or its run ended otherwise). It returns nil when the task does
// not exist at all.
func (c *Client) ended(ctx context.Context, taskID string) error {
	d, err := c.C.DescribeWorkflowExecution(ctx, taskID, "")
	if err != nil {
		return nil
	}
	info := d.GetWorkflowExecutionInfo()
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return nil
	}
	s := summarize(taskID, info.GetStatus(), info.GetSearchAttributes().GetIndexedFields(), nil)
	state := s.Status
	if name, ok := domain.StatusNames[state]; ok {
		state += " (" + name + ")"
	}
	no := taskID
	if s.No != "" {
		no = s.No
	}
	return &Rejection{Type: domain.ErrTypeConflict, Seen: -1, Message: fmt.Sprintf("task %s is %s since %s; it takes no more actions",
		no, state, info.GetCloseTime().AsTime().UTC().Format("2006-01-02 15:04 MST"))}
}

// gone explains why a task that Temporal no longer holds (retention
// deleted its history) takes no updates, when the ledger knows it; nil
// when it does not.
func (c *Client) gone(ctx context.Context, taskID string) error {
	if c.Ledger == nil || c.Board == nil {
		return nil
	}
	st, err := c.fromLedger(ctx, taskID)
	if err != nil {
		return nil
	}
	state := st.Status
	if name, ok := domain.StatusNames[state]; ok {
		state += " (" + name + ")"
	}
	return &Rejection{Type: domain.ErrTypeConflict, Seen: -1, Message: fmt.Sprintf(
		"task %s is %s and its workflow history is no longer kept; it takes no more actions (its records stay on the ledger)", st.TaskNo, state)}
}

// classify turns SDK errors into ErrNotFound or a *Rejection.
func classify(taskID string, err error) error {
	if err == nil {
		return nil
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return fmt.Errorf("%w: %s", ErrNotFound, taskID)
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		r := &Rejection{Type: app.Type(), Message: app.Message(), Seen: -1}
		if app.HasDetails() {
			var seen int
			if app.Details(&r.Field, &seen) == nil {
				r.Seen = seen
			} else {
				_ = app.Details(&r.Field)
			}
		}
		return r
	}
	return err
}
