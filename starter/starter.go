// Package starter launches a plan: one lifecycle workflow per task, with the
// workflow ID "<plan-id>/<task-no>", so launching the same plan again starts
// nothing new.
package starter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"lianxi/domain"
	"lianxi/workflows"
)

// Report counts what a launch did.
type Report struct {
	Started        int `json:"started"`
	AlreadyRunning int `json:"already_running"`
	AlreadyClosed  int `json:"already_closed"`
	Failed         int `json:"failed"`
	// NotStarted says, for each task the ledger shows finished but Temporal
	// no longer has, why it was not started again.
	NotStarted []string `json:"not_started,omitempty"`
	// Errors holds one message per failed task.
	Errors []string `json:"errors,omitempty"`
}

// Options tune a launch.
type Options struct {
	// Concurrency bounds the starts in flight; default 8.
	Concurrency int
	// Progress, when set, is called after each task with the counts so far.
	Progress func(done, total int)
	// Known, when set, refuses participants the registry does not know.
	Known func(id string) bool
	// Ended, when set, tells from the ledger whether a task was closed or
	// cancelled, and since when: such a task is never started again, even
	// after Temporal's retention deleted its workflow.
	Ended func(ctx context.Context, workflowID string) (kind string, at time.Time, ok bool, err error)
	// Board, when set, gets each started task's first row at once, so lists
	// show it before its workflow records the assignment (which then
	// replaces the row). A row it cannot write is left to the workflow.
	Board interface {
		Seed(ctx context.Context, rows []domain.BoardRow) (int, error)
	}
	// ReadyWait bounds how long, from the launch's start, a start that
	// NotReady accepts (a server still loading its namespace) is sent
	// again; zero sends each start once.
	ReadyWait time.Duration
	// Titles, when set, records each plan's title before its tasks start,
	// so a list that shows a new task can name its plan (ledger.SQLStore).
	Titles planTitler
}

// FirstRow is a task's board row as it starts: every participant pending,
// co-responsible ones first, as the workflow lists them.
func FirstRow(spec domain.TaskSpec) domain.BoardRow {
	pending := domain.FirstPending(spec)
	window := spec.WarningWindow
	if window <= 0 {
		window = domain.DefaultWarningWindow
	}
	return domain.BoardRow{WorkflowID: domain.WorkflowID(spec.PlanID, spec.TaskNo), PlanID: spec.PlanID, TaskNo: spec.TaskNo,
		Title: spec.Title, Status: domain.StatusSigning, Round: 1, Lead: spec.Lead, Participants: spec.Participants,
		Pending: pending, Due: spec.SignOffDue, WarningWindow: window, UpdatedAt: time.Now()}
}

// Launch starts a workflow for every spec that has none yet. The specs are
// validated whole first: any problem lists them all and starts nothing. A
// task whose workflow is running or closed (completed, cancelled, failed),
// or that the ledger shows closed or cancelled, is counted, not restarted.
func Launch(ctx context.Context, c client.Client, specs []domain.TaskSpec, opts Options) (Report, error) {
	if err := Validate(specs, opts.Known, time.Now()); err != nil {
		return Report{}, err
	}
	if err := recordPlanTitles(ctx, specs, opts.Titles); err != nil {
		return Report{}, err
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	retryUntil := time.Now().Add(opts.ReadyWait)
	var (
		mu   sync.Mutex
		rep  Report
		done int
		wg   sync.WaitGroup
		sem  = make(chan struct{}, opts.Concurrency)
	)
	for _, spec := range specs {
		if err := ctx.Err(); err != nil {
			wg.Wait()
			return rep, fmt.Errorf("launch: %w", err)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			outcome, why, err := launchOne(ctx, c, spec, opts.Ended, opts.Board, retryUntil)
			mu.Lock()
			defer mu.Unlock()
			if why != "" {
				rep.NotStarted = append(rep.NotStarted, why)
			}
			switch {
			case err != nil:
				rep.Failed++
				rep.Errors = append(rep.Errors, fmt.Sprintf("task %s: %v", spec.TaskNo, err))
			case outcome == started:
				rep.Started++
			case outcome == running:
				rep.AlreadyRunning++
			default:
				rep.AlreadyClosed++
			}
			done++
			if opts.Progress != nil {
				opts.Progress(done, len(specs))
			}
		}()
	}
	wg.Wait()
	if rep.Failed > 0 {
		return rep, fmt.Errorf("launch: %d of %d tasks failed to start: %s", rep.Failed, len(specs), rep.Errors[0])
	}
	return rep, nil
}

// planTitler keeps plan titles (ledger.SQLStore does).
type planTitler interface {
	PutPlanTitle(ctx context.Context, planID, title string) error
}

// recordPlanTitles records the title of each plan the specs belong to, when
// there is a titler, before any task starts: a list that shows a new task
// can name its plan.
func recordPlanTitles(ctx context.Context, specs []domain.TaskSpec, titler planTitler) error {
	if titler == nil {
		return nil
	}
	done := map[string]bool{}
	for _, spec := range specs {
		if spec.PlanTitle == "" || done[spec.PlanID] {
			continue
		}
		done[spec.PlanID] = true
		if err := titler.PutPlanTitle(ctx, spec.PlanID, spec.PlanTitle); err != nil {
			return fmt.Errorf("launch: %w", err)
		}
	}
	return nil
}

type launchOutcome int

const (
	started launchOutcome = iota
	running
	closed
)

// StartOptions are the options a task's workflow is started with.
func StartOptions(spec domain.TaskSpec) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:        domain.WorkflowID(spec.PlanID, spec.TaskNo),
		TaskQueue: workflows.TaskQueue,
		// A closed task is never started again under the same ID.
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		// Report an existing task instead of silently returning its handle.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		Memo:                                     map[string]any{"title": spec.Title},
		TypedSearchAttributes:                    temporal.NewSearchAttributes(startSearch(spec)...),
	}
}

// startSearch are the search attributes a task starts with. With its due
// date known they are all a new run would upsert first, so it need not.
func startSearch(spec domain.TaskSpec) []temporal.SearchAttributeUpdate {
	sa := []temporal.SearchAttributeUpdate{
		workflows.SearchPlan.ValueSet(spec.PlanID),
		workflows.SearchTaskNo.ValueSet(spec.TaskNo),
		workflows.SearchStatus.ValueSet(domain.StatusSigning),
		workflows.SearchParticipants.ValueSet(spec.Participants),
	}
	if !spec.SignOffDue.IsZero() {
		sa = append(sa,
			workflows.SearchRound.ValueSet(1),
			workflows.SearchDue.ValueSet(spec.SignOffDue.UTC().Truncate(time.Second)))
	}
	return sa
}

// FixDue sets a spec's sign-off due date from its period when it has none,
// so the launcher and the workflow agree on it from the start.
func FixDue(spec domain.TaskSpec, now time.Time) domain.TaskSpec {
	if spec.SignOffDue.IsZero() {
		spec.SignOffDue = domain.FirstDue(spec, now).UTC().Truncate(time.Second)
	}
	return spec
}

func launchOne(ctx context.Context, c client.Client, spec domain.TaskSpec, ended func(context.Context, string) (string, time.Time, bool, error),
	board interface {
		Seed(context.Context, []domain.BoardRow) (int, error)
	}, retryUntil time.Time) (launchOutcome, string, error) {
	spec = FixDue(spec, time.Now())
	opts := StartOptions(spec)
	if ended != nil {
		kind, at, ok, err := ended(ctx, opts.ID)
		if err != nil {
			return 0, "", fmt.Errorf("read the ledger for %s: %w", opts.ID, err)
		}
		if ok {
			state := domain.StatusClosed
			if kind == domain.KindCancel {
				state = domain.StatusCancelled
			}
			return closed, fmt.Sprintf("%s was %s (%s) on %s; not started again", spec.TaskNo, state, domain.StatusNames[state],
				at.UTC().Format("2006-01-02")), nil
		}
	}
	asked := time.Now()
	resent, err := startWhenReady(ctx, c, opts, spec, retryUntil)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if err == nil {
		if board != nil {
			_, _ = board.Seed(ctx, []domain.BoardRow{FirstRow(spec)})
		}
		return started, "", nil
	}
	if !errors.As(err, &already) {
		return 0, "", err
	}
	desc, err := c.DescribeWorkflowExecution(ctx, opts.ID, "")
	if err != nil {
		return 0, "", fmt.Errorf("describe %s: %w", opts.ID, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		// After a start whose answer timed out was sent again, a run that
		// began after this launch asked for it is this launch's own.
		if resent && !info.GetStartTime().AsTime().Before(asked.Add(-time.Second)) {
			if board != nil {
				_, _ = board.Seed(ctx, []domain.BoardRow{FirstRow(spec)})
			}
			return started, "", nil
		}
		return running, "", nil
	}
	return closed, "", nil
}

// startWhenReady starts the task's workflow, sending the start again while
// the server answers that it is not ready and retryUntil is ahead, and (up
// to startTimeouts times) when the answer did not come in time: a start is
// idempotent by workflow ID, so a second one that finds the first's run is
// told so.
// resent says a start was sent again after a timeout.
func startWhenReady(ctx context.Context, c client.Client, opts client.StartWorkflowOptions, spec domain.TaskSpec, retryUntil time.Time) (resent bool, err error) {
	timeouts := 0
	for attempt := 1; ; attempt++ {
		_, err = c.ExecuteWorkflow(ctx, opts, workflows.WorkflowName, workflows.TaskInput{Spec: spec, Revision: workflows.CurrentRevision})
		wait := min(time.Duration(attempt)*100*time.Millisecond, time.Second)
		if timedOut(ctx, err) && timeouts < startTimeouts {
			timeouts++
			continue
		}
		if err == nil || !NotReady(err) || time.Now().Add(wait).After(retryUntil) {
			return timeouts > 0, err
		}
		select {
		case <-ctx.Done():
			return timeouts > 0, errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// startTimeouts is how many times a start whose answer timed out is sent
// again.
const startTimeouts = 3

// timedOut reports whether err is a start's own deadline, not the caller's.
func timedOut(ctx context.Context, err error) bool {
	var deadline *serviceerror.DeadlineExceeded
	return ctx.Err() == nil && (errors.As(err, &deadline) || errors.Is(err, context.DeadlineExceeded))
}
