package taskclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"lianxi/board"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/workflows"
)

// LedgerSource is what a status is read from once Temporal no longer holds
// the task, and where the end of a run found ended is recorded
// (ledger.SQLStore is one).
type LedgerSource interface {
	ScanWorkflow(ctx context.Context, workflowID string, fn func(ledger.Record) error) error
	recorder
}

// Source says where a status was read.
type Source string

// Where a status comes from: the running (or retained) workflow's status
// query, or the board and the ledger after Temporal deleted the history.
const (
	SourceWorkflow Source = "workflow"
	SourceLedger   Source = "ledger"
)

// Status reads a task's status: the workflow's status query while Temporal
// holds the task, the board and the ledger once it does not.
func (c *Client) Status(ctx context.Context, taskID string) (domain.TaskStatus, error) {
	st, _, err := c.Read(ctx, taskID)
	return st, err
}

// Read is Status that also says where the status came from. A run that
// ended outside its lifecycle (terminated, timed out, failed) is read as
// ended, with nobody pending, and its board row is marked ended at once.
func (c *Client) Read(ctx context.Context, taskID string) (domain.TaskStatus, Source, error) {
	st, ended, err := c.query(ctx, taskID, enumspb.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY)
	switch {
	case errors.Is(err, ErrNotFound) && c.Ledger != nil && c.Board != nil:
		st, err := c.fromLedger(ctx, taskID)
		return st, SourceLedger, err
	case err != nil:
		return st, SourceWorkflow, err
	case ended == enumspb.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED:
		return c.caughtUp(ctx, taskID, st), SourceWorkflow, nil
	}
	// The run ended outside its lifecycle: the board row ends first (so
	// inboxes stop listing it even if the state cannot be read), then the
	// state as it was is read under the status the run ended with.
	at := time.Now()
	if d, err := c.C.DescribeWorkflowExecution(ctx, taskID, ""); err == nil && d.GetWorkflowExecutionInfo().GetCloseTime() != nil {
		at = d.GetWorkflowExecutionInfo().GetCloseTime().AsTime()
	}
	status, _ := EndedStatus(ended)
	if err := c.endRow(ctx, taskID, status, at); err != nil {
		return st, SourceWorkflow, err
	}
	st, _, err = c.query(ctx, taskID, enumspb.QUERY_REJECT_CONDITION_NONE)
	if err != nil {
		return st, SourceWorkflow, fmt.Errorf("read the state of %s, whose run is %s: %w", taskID, status, err)
	}
	return markEnded(st, status, at), SourceWorkflow, nil
}

// query runs the status query under reject; a run the condition rejects
// is answered with its execution status and no state.
func (c *Client) query(ctx context.Context, taskID string, reject enumspb.QueryRejectCondition) (domain.TaskStatus, enumspb.WorkflowExecutionStatus, error) {
	var st domain.TaskStatus
	req := &client.QueryWorkflowWithOptionsRequest{WorkflowID: taskID, QueryType: workflows.QueryStatus, QueryRejectCondition: reject}
	resp, err := c.C.QueryWorkflowWithOptions(ctx, req)
	// A worker that stops while it answers (a restart, a deploy) fails the
	// query with its own cancellation, or takes it and never answers; the
	// next worker answers it.
	for try := 1; try < 5 && (workerStopped(err) || queryLost(ctx, err)); try++ {
		select {
		case <-ctx.Done():
			return st, 0, classify(taskID, err)
		case <-time.After(time.Duration(try) * 200 * time.Millisecond):
		}
		resp, err = c.C.QueryWorkflowWithOptions(ctx, req)
	}
	if err != nil {
		return st, 0, classify(taskID, err)
	}
	if rej := resp.QueryRejected; rej != nil {
		return st, rej.GetStatus(), nil
	}
	if err := decode(resp.QueryResult, &st); err != nil {
		return st, 0, fmt.Errorf("decode status of %s: %w", taskID, err)
	}
	// The run updates its light only when it wakes; the reader's clock is
	// the one that counts.
	st.Warning = st.LightAt(time.Now())
	return st, 0, nil
}

func decode(v converter.EncodedValue, st *domain.TaskStatus) error {
	if v == nil || !v.HasValue() {
		return errors.New("the status query answered nothing")
	}
	return v.Get(st)
}

// EndedStatus is the task status of a run that ended outside its
// lifecycle; ok is false for a run still running or completed (closed and
// cancelled tasks complete their runs).
func EndedStatus(s enumspb.WorkflowExecutionStatus) (status string, ok bool) {
	switch s {
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		return domain.StatusTerminated, true
	case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		return domain.StatusTimedOut, true
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		return domain.StatusFailed, true
	}
	return "", false
}

// markEnded is st as a reader must see a task whose run ended at at: no
// longer open, nobody pending, no light.
func markEnded(st domain.TaskStatus, status string, at time.Time) domain.TaskStatus {
	st.Status, st.Pending, st.Warning = status, []string{}, domain.WarningGreen
	if st.Outcome == nil {
		st.Outcome = &domain.TaskOutcome{Status: status, Rounds: st.Round, Decisions: st.Decisions, EndedAt: at}
	}
	return st
}

// endRow marks the task's board row ended, when the client has a board
// and a ledger.
func (c *Client) endRow(ctx context.Context, taskID, status string, at time.Time) error {
	if c.Ledger == nil || c.Board == nil {
		return nil
	}
	_, err := endTask(ctx, c.Board, c.Ledger, taskID, status, at)
	return err
}

// boardEnder is where a run found ended is marked (board.Store).
type boardEnder interface {
	End(ctx context.Context, workflowID, status string, open []string, at time.Time) (bool, error)
}

// recorder is where the end of such a run is recorded (ledger.SQLStore).
type recorder interface {
	Append(ctx context.Context, e ledger.Entry, also ...ledger.Also) (ledger.Record, error)
}

// endTask marks a task whose run ended outside its lifecycle at at: its
// board row ends and, the time it does, the ledger records how and when
// (a system record, once: its ID is the task and the end's time). It
// reports whether the row changed.
func endTask(ctx context.Context, b boardEnder, l recorder, taskID, status string, at time.Time) (bool, error) {
	ok, err := b.End(ctx, taskID, status, []string{domain.StatusSigning, domain.StatusInReview}, at)
	if err != nil {
		return false, fmt.Errorf("mark %s %s on the board: %w", taskID, status, err)
	}
	if !ok {
		return false, nil
	}
	plan, no := taskID, ""
	if i := strings.LastIndex(taskID, "/"); i >= 0 {
		plan, no = taskID[:i], taskID[i+1:]
	}
	at = at.UTC()
	if _, err := l.Append(ctx, ledger.Entry{
		DecisionID: taskID + "/" + domain.KindRunEnded + "/" + at.Format(time.RFC3339Nano), WorkflowID: taskID,
		PlanID: plan, TaskNo: no, Kind: domain.KindRunEnded, Ministry: domain.ActorSystem,
		Payload: map[string]string{"status": status}, At: at,
	}); err != nil {
		return true, fmt.Errorf("record that %s's run ended %s: %w", taskID, status, err)
	}
	return true, nil
}

// fromLedger reads a task Temporal no longer holds from its board row and
// its records. A row still open belongs to a run that is gone without
// ending its lifecycle: it is read, and marked, as terminated.
func (c *Client) fromLedger(ctx context.Context, taskID string) (domain.TaskStatus, error) {
	row, err := c.boardRow(ctx, taskID)
	if err != nil {
		return domain.TaskStatus{}, err
	}
	var recs []ledger.Record
	if err := c.Ledger.ScanWorkflow(ctx, taskID, func(r ledger.Record) error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		return domain.TaskStatus{}, fmt.Errorf("read the records of %s: %w", taskID, err)
	}
	st, ok := FromLedger(taskID, row, recs)
	if !ok {
		return st, fmt.Errorf("%w: %s", ErrNotFound, taskID)
	}
	if domain.IsOpen(st.Status) {
		at := time.Now()
		if err := c.endRow(ctx, taskID, domain.StatusTerminated, at); err != nil {
			return st, err
		}
		st = markEnded(st, domain.StatusTerminated, at)
	}
	return st, nil
}

// boardRow finds a task's row on the board; nil when it has none.
func (c *Client) boardRow(ctx context.Context, taskID string) (*domain.BoardRow, error) {
	i := strings.LastIndex(taskID, "/")
	if i < 0 {
		return nil, nil
	}
	rows, err := c.Board.List(ctx, board.Filter{Plan: taskID[:i], WorkflowID: taskID})
	if err != nil {
		return nil, fmt.Errorf("read the board row of %s: %w", taskID, err)
	}
	for _, r := range rows {
		if r.WorkflowID == taskID {
			return &r, nil
		}
	}
	return nil, nil
}

// queryLost reports a query that ran out of the server's time while the
// caller still has its own: a worker took it from its queue as it stopped
// and never answered. A query changes nothing, so it is asked again.
func queryLost(ctx context.Context, err error) bool {
	var de *serviceerror.DeadlineExceeded
	return ctx.Err() == nil && (errors.As(err, &de) || errors.Is(err, context.DeadlineExceeded))
}

// workerStopped reports a query the answering worker gave up on because it
// was stopping, not one the workflow refused.
func workerStopped(err error) bool {
	var qf *serviceerror.QueryFailed
	var cancelled *serviceerror.Canceled
	return (errors.As(err, &qf) && strings.Contains(qf.Message, context.Canceled.Error())) || errors.As(err, &cancelled)
}

// caughtUp is st, or, when the board (written with every record) shows
// more records of the task than the workflow reflects — a reset, or a
// crash between a record and its workflow task — the status after the
// workflow has adopted them. A read that cannot tell answers st.
func (c *Client) caughtUp(ctx context.Context, taskID string, st domain.TaskStatus) domain.TaskStatus {
	if !c.ahead(ctx, taskID, st) {
		return st
	}
	if _, err := c.Converge(ctx, taskID, "read"); err != nil {
		return st
	}
	if now, _, err := c.query(ctx, taskID, enumspb.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY); err == nil {
		return now
	}
	return st
}

// ahead reports whether the board (written with every record) shows more
// records of the task than its status reflects.
func (c *Client) ahead(ctx context.Context, taskID string, st domain.TaskStatus) bool {
	return c.boardAhead(ctx, taskID, st.Decisions)
}

// boardAhead reports whether the task's board row counts more records than
// seen.
func (c *Client) boardAhead(ctx context.Context, taskID string, seen int) bool {
	if c.Board == nil {
		return false
	}
	row, err := c.boardRow(ctx, taskID)
	return err == nil && row != nil && row.Decisions > seen
}
