package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"lianxi/actions"
	"lianxi/domain"
)

// Lifecycle is the task workflow with what it consults besides its
// history: Body says whether a ministry ID may be given a task (nil), or
// why not: unknown to the registry of bodies, or abolished (the worker
// injects the plan registry). Only validators ask it, and
// validators do not run on replay, so a registry that grows between
// releases never changes a replayed decision. A nil Body takes every ID
// as known.
type Lifecycle struct {
	Body func(id string) error
}

// TaskWorkflow runs a task with no registry of bodies, as replay does.
func TaskWorkflow(ctx workflow.Context, in TaskInput) (domain.TaskOutcome, error) {
	return Lifecycle{}.Run(ctx, in)
}

// Run runs one task of a plan. Its workflow ID is domain.WorkflowID(plan, no).
func (l Lifecycle) Run(ctx workflow.Context, in TaskInput) (domain.TaskOutcome, error) {
	w, err := newTaskWorkflow(ctx, in, l.Body)
	if err != nil {
		return domain.TaskOutcome{}, err
	}
	// The input is in the history, so a replay takes the branch the run
	// took.
	w.converges = in.Revision >= RevisionConverges || workflow.GetVersion(ctx, changeConverge, workflow.DefaultVersion, 1) >= 1
	if err := w.setup(ctx); err != nil {
		return domain.TaskOutcome{}, err
	}
	return w.run(ctx)
}

// taskWorkflow is one run of the lifecycle: the spec, the state, and what
// only this run needs.
type taskWorkflow struct {
	spec     domain.TaskSpec
	s        domain.TaskState
	canAfter int
	// revision is TaskInput.Revision, handed on when continuing as new.
	revision int
	id       string
	runID    string
	mu       workflow.Mutex
	// dirty wakes the main loop after a decision moved a due date or the phase.
	dirty bool
	// shown is the state as recorded while a decision applied ahead of its
	// record waits for the ledger; the status query answers with it.
	shown *domain.TaskState
	// lastSA is the search-attribute signature last upserted.
	lastSA string
	// wakeAt is when the main loop's running timer fires.
	wakeAt time.Time
	known  func(id string) error
	// converges: this run keeps up with its ledger (changeConverge).
	converges bool
	// catching counts catch-ups under way.
	catching int
	// continued: this run continues an earlier one's state.
	continued bool
}

func newTaskWorkflow(ctx workflow.Context, in TaskInput, known func(string) error) (*taskWorkflow, error) {
	spec, err := normalizeSpec(in.Spec)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalidTask, err)
	}
	info := workflow.GetInfo(ctx)
	w := &taskWorkflow{
		spec:     spec,
		canAfter: in.ContinueAsNewAfter,
		revision: in.Revision,
		id:       info.WorkflowExecution.ID,
		runID:    info.WorkflowExecution.RunID,
		mu:       workflow.NewMutex(ctx),
		known:    known,
	}
	if in.State != nil {
		w.s, w.continued = *in.State, true
	} else {
		w.s = newState(spec, workflow.Now(ctx))
		// The launcher set the search attributes with the start
		// (starter.StartOptions), so the first upsert happens only once
		// something differs.
		w.lastSA = w.searchSignature()
	}
	if w.s.Receipts == nil {
		w.s.Receipts = map[string]domain.Receipt{}
	}
	return w, nil
}

// setup registers the status query and one update per action definition.
func (w *taskWorkflow) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (domain.TaskStatus, error) {
		if w.shown != nil {
			return w.shown.View(w.spec), nil
		}
		return w.s.View(w.spec), nil
	}); err != nil {
		return fmt.Errorf("register query %s: %w", QueryStatus, err)
	}
	for _, a := range actions.All() {
		handler, validator := a.Bind(w)
		if err := workflow.SetUpdateHandlerWithOptions(ctx, a.Name, handler,
			workflow.UpdateHandlerOptions{Validator: validator}); err != nil {
			return fmt.Errorf("register update %s: %w", a.Name, err)
		}
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, domain.UpdateConverge, w.converge,
		workflow.UpdateHandlerOptions{Validator: w.validateConverge}); err != nil {
		return fmt.Errorf("register update %s: %w", domain.UpdateConverge, err)
	}
	return nil
}

// run records the assignment, then keeps reminders and escalation going
// until the task is closed or cancelled.
func (w *taskWorkflow) run(ctx workflow.Context) (domain.TaskOutcome, error) {
	if w.converges && w.continued {
		// What the ledger holds of the task that the previous run did not
		// see comes first. (A first run finds its task's earlier records,
		// from a relaunch, when it records its assignment.)
		if err := w.mu.Lock(ctx); err != nil {
			return domain.TaskOutcome{}, err
		}
		_, err := w.catchUp(ctx, "run-start")
		w.mu.Unlock()
		if err != nil {
			return domain.TaskOutcome{}, err
		}
	}
	if err := w.assign(ctx); err != nil {
		return domain.TaskOutcome{}, err
	}
	w.upsertSearch(ctx)
	// A decision being recorded may put the state back (the ledger refused
	// it), so a task seen closed is checked again once handlers settle.
	for w.s.Open() {
		for w.s.Open() {
			now := workflow.Now(ctx)
			w.wakeAt = w.nextWake(now)
			w.dirty = false
			if _, err := workflow.AwaitWithTimeout(ctx, w.wakeAt.Sub(now), func() bool {
				return w.woken(ctx) || !w.s.Open() || w.continueAsNewDue(ctx)
			}); err != nil {
				return domain.TaskOutcome{}, err
			}
			if !w.s.Open() {
				break
			}
			if err := w.tick(ctx); err != nil {
				return domain.TaskOutcome{}, err
			}
			if w.continueAsNewDue(ctx) {
				if err := w.settle(ctx); err != nil {
					return domain.TaskOutcome{}, err
				}
				if w.s.Open() {
					state := w.s
					return domain.TaskOutcome{}, workflow.NewContinueAsNewError(ctx, WorkflowName, TaskInput{
						Spec: w.spec, State: &state, ContinueAsNewAfter: w.canAfter, Revision: w.revision,
					})
				}
			}
		}
		if err := w.settle(ctx); err != nil {
			return domain.TaskOutcome{}, err
		}
	}
	w.upsertSearch(ctx)
	return *w.s.Outcome, nil
}

// assign records the assignment once, with its notifications. It holds the
// handler mutex, so no decision reaches the ledger before the task's
// assignment does, and retries until recorded.
func (w *taskWorkflow) assign(ctx workflow.Context) error {
	if w.s.Assigned {
		return nil
	}
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	for !w.s.Assigned {
		c := w.change(ctx, "")
		c.NotifyAll(domain.NotifyAssignment, "")
		payload := domain.Fields("participants", strings.Join(w.s.IDs(), ","), "lead", w.s.Lead,
			"sign_off_due", w.s.SignOffDue.Format(time.RFC3339))
		err := w.recordSystem(ctx, w.id+"/assigned", domain.KindAssigned, domain.Office, payload, c.Out)
		switch {
		case err == nil:
			w.s.Assigned = true
		case errors.Is(err, errAhead):
			// caught up: the assignment may be among what it adopted
		default:
			return err
		}
	}
	return nil
}

// change starts applying a decision with ID id to the task, now.
func (w *taskWorkflow) change(ctx workflow.Context, id string) *domain.Change {
	return &domain.Change{Spec: w.spec, S: &w.s, At: workflow.Now(ctx), ID: id}
}

// settle waits until every update handler has finished.
func (w *taskWorkflow) settle(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

func (w *taskWorkflow) continueAsNewDue(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	if info.GetContinueAsNewSuggested() {
		return true
	}
	return w.canAfter > 0 && info.GetCurrentHistoryLength() >= w.canAfter
}

// woken reports whether a decision asked the timer loop to recompute and
// the new wake-up is earlier than the running timer's: a later one is
// picked up when that timer fires, so a decision costs no timer cancelled
// and started again.
func (w *taskWorkflow) woken(ctx workflow.Context) bool {
	return w.dirty && w.nextWake(workflow.Now(ctx)).Before(w.wakeAt)
}
