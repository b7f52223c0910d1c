// Package taskclient is the caller's side of a task workflow: the updates,
// the status query and the visibility listing that the CLI, the HTTP API and
// the benchmark share.
package taskclient

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"lianxi/board"
	"lianxi/domain"
	"lianxi/door"
	"lianxi/workflows"
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

// Filter selects tasks from visibility. Empty fields match everything.
type Filter struct {
	Plan     string
	Status   string
	Ministry string
	// Pending selects tasks still waiting for Ministry's answer.
	Pending bool
}

// Query renders the filter as a visibility query.
func (f Filter) Query() string {
	parts := []string{fmt.Sprintf("WorkflowType = '%s'", workflows.WorkflowName)}
	add := func(key, val string) {
		if val != "" {
			parts = append(parts, fmt.Sprintf("%s = '%s'", key, strings.ReplaceAll(val, "'", "")))
		}
	}
	add(workflows.SearchPlan.GetName(), f.Plan)
	add(workflows.SearchStatus.GetName(), f.Status)
	// Visibility knows who is on a task, not who is pending: the board
	// does (Filter.Pending is applied there).
	add(workflows.SearchParticipants.GetName(), f.Ministry)
	return strings.Join(parts, " AND ")
}

// Summary is one task as visibility sees it.
type Summary struct {
	ID      string    `json:"id"`
	Plan    string    `json:"plan"`
	No      string    `json:"no"`
	Title   string    `json:"title"`
	Status  string    `json:"status"`
	Round   int64     `json:"round"`
	Pending []string  `json:"pending"`
	Due     time.Time `json:"due"`
	Warning string    `json:"warning"`
	// Participants lists every ministry of the task, the lead first.
	Participants []string `json:"participants,omitempty"`
}

// List returns the tasks matching f: from the board when the client has
// one, else from visibility. No workflow is queried either way.
func (c *Client) List(ctx context.Context, f Filter) ([]Summary, error) {
	if c.Board == nil {
		return c.ListVisibility(ctx, f)
	}
	bf := board.Filter{Plan: f.Plan, Status: f.Status}
	if f.Pending {
		bf.Pending = f.Ministry
	} else {
		bf.Participant = f.Ministry
	}
	rows, err := c.Board.List(ctx, bf)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	out := make([]Summary, 0, len(rows))
	for _, r := range rows {
		out = append(out, FromBoard(r, now))
	}
	return out, nil
}

// FromBoard is a board row as a Summary, its light read at now.
func FromBoard(r domain.BoardRow, now time.Time) Summary {
	s := Summary{ID: r.WorkflowID, Plan: r.PlanID, No: r.TaskNo, Title: r.Title, Status: r.Status,
		Round: int64(r.Round), Pending: r.Pending, Participants: r.Participants, Due: r.Due}
	s.Warning = domain.Light(s.Status, r.Due, r.WarningWindow, now)
	return s
}

// ListVisibility returns the tasks matching f from Temporal's visibility:
// what auditors read, since it does not depend on the ledger.
func (c *Client) ListVisibility(ctx context.Context, f Filter) ([]Summary, error) {
	var out []Summary
	var token []byte
	for {
		resp, err := c.C.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: c.Namespace, Query: f.Query(), NextPageToken: token, PageSize: 1000,
		})
		if err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			out = append(out, summarize(e.GetExecution().GetWorkflowId(), e.GetStatus(), e.GetSearchAttributes().GetIndexedFields(), e.GetMemo().GetFields()))
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return out, nil
		}
	}
}

func summarize(id string, st enumspb.WorkflowExecutionStatus, sa, memo map[string]*commonpb.Payload) Summary {
	dc := converter.GetDefaultDataConverter()
	s := Summary{ID: id, Pending: []string{}}
	get := func(m map[string]*commonpb.Payload, key string, v any) {
		if p, ok := m[key]; ok {
			_ = dc.FromPayload(p, v)
		}
	}
	get(sa, workflows.SearchPlan.GetName(), &s.Plan)
	get(sa, workflows.SearchTaskNo.GetName(), &s.No)
	get(sa, workflows.SearchStatus.GetName(), &s.Status)
	get(sa, workflows.SearchRound.GetName(), &s.Round)
	get(sa, workflows.SearchParticipants.GetName(), &s.Participants)
	get(sa, workflows.SearchDue.GetName(), &s.Due)
	get(memo, "title", &s.Title)
	ended := domain.IsFinished(s.Status)
	if s.Status == "" || (st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING && !ended) {
		// Terminated or timed-out runs never wrote a final status.
		s.Status = strings.ToLower(strings.TrimPrefix(st.String(), "WORKFLOW_EXECUTION_STATUS_"))
	}
	// Visibility keeps no light; it is derived from the due date (the
	// window is not in visibility).
	s.Warning = domain.Light(s.Status, s.Due, 0, time.Now())
	return s
}

// SortForDashboard orders tasks as the office reads them: overdue first,
// then yellow, then by due date, then by ID.
func SortForDashboard(list []Summary) {
	rank := map[string]int{domain.WarningRed: 0, domain.WarningYellow: 1}
	key := func(s Summary) int {
		if r, ok := rank[s.Warning]; ok && domain.IsOpen(s.Status) {
			return r
		}
		if domain.IsFinished(s.Status) {
			return 3
		}
		return 2
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if key(a) != key(b) {
			return key(a) < key(b)
		}
		if !a.Due.Equal(b.Due) {
			return a.Due.Before(b.Due)
		}
		return a.ID < b.ID
	})
}
