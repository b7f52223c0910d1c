package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/ledger"
	"lianxi/plan"
)

// ErrTypeInvalidTask is the error type of a workflow that was started with
// a spec it cannot run; such a start fails at once, without retries.
const ErrTypeInvalidTask = "InvalidTask"

// taskWorkflow is one run of the lifecycle: the spec, the state, and what
// only this run needs (the handler mutex, in-flight notifications).
type taskWorkflow struct {
	spec     TaskSpec
	s        TaskState
	canAfter int
	id       string
	runID    string
	mu       workflow.Mutex
	// dirty wakes the main loop after a handler changed due dates or phase.
	dirty bool
	// inflight counts notifications not yet settled (runs before the
	// transactional outbox).
	inflight int
	// outgoing are the notifications collected for the next record.
	outgoing []activities.Notification
	// outboxOn is set once this run uses the transactional outbox.
	outboxOn bool
	// shown is the state as recorded while a decision applied ahead of its
	// record waits for the ledger; the status query answers with it.
	shown *TaskState
	// lastSA is the search-attribute signature last upserted.
	lastSA string
	// gen is the generation the run started in (TaskInput.Gen).
	gen int
	// boardOn is set once this run keeps its row on the board.
	boardOn bool
	// readerLight is set when readers derive the traffic light
	// (GenReaderLight): no yellow-light wake-up, no LianxiWarning.
	readerLight bool
	// wakeAt is when the main loop's running timer fires.
	wakeAt time.Time
	// fresh is set in a task's first run (not a continued one).
	fresh bool
	// known reports whether the registry of bodies knows a ministry ID.
	known func(id string) bool
}

// TaskWorkflow runs one task of a plan. Its workflow ID is WorkflowID(plan, no).
func TaskWorkflow(ctx workflow.Context, in TaskInput) (TaskOutcome, error) {
	w, err := newTaskWorkflow(ctx, in)
	if err != nil {
		return TaskOutcome{}, err
	}
	if err := w.setup(ctx); err != nil {
		return TaskOutcome{}, err
	}
	return w.run(ctx)
}

func newTaskWorkflow(ctx workflow.Context, in TaskInput) (*taskWorkflow, error) {
	spec, err := normalizeSpec(in.Spec)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalidTask, err)
	}
	info := workflow.GetInfo(ctx)
	w := &taskWorkflow{
		spec:     spec,
		canAfter: in.ContinueAsNewAfter,
		id:       info.WorkflowExecution.ID,
		runID:    info.WorkflowExecution.RunID,
		mu:       workflow.NewMutex(ctx),
		known:    knownMinistry,
		gen:      in.Gen,
		fresh:    in.State == nil,
	}
	if w.gen >= GenBoard {
		w.outboxOn, w.boardOn = true, true
	}
	w.readerLight = w.gen >= GenReaderLight
	if in.State != nil {
		w.s = *in.State
	} else {
		now := workflow.Now(ctx)
		w.s = TaskState{
			Status:       StatusSigning,
			Round:        1,
			Lead:         spec.Lead,
			SignOffDue:   spec.SignOffDue,
			NextReminder: now.Add(spec.ReminderInterval),
			StartedAt:    now,
		}
		if w.s.SignOffDue.IsZero() {
			w.s.SignOffDue = now.Add(spec.SignOffPeriod)
		}
		for _, id := range spec.Participants {
			role := RoleCo
			if id == spec.Lead {
				role = RoleLead
			}
			w.s.Participants = append(w.s.Participants, Participant{ID: id, Role: role})
		}
		w.s.Warning = warningAt(now, w.s.SignOffDue, spec.WarningWindow)
	}
	if w.s.Receipts == nil {
		w.s.Receipts = map[string]Receipt{}
	}
	if w.gen >= GenBoard && w.fresh {
		// The launcher set these with the start (starter.StartOptions), so
		// the first upsert happens only once something differs.
		w.lastSA = w.searchSignature(StatusSigning, w.s.Warning, 1, w.s.SignOffDue, nil, spec.Participants)
	}
	return w, nil
}

// knownMinistry looks an ID up in the bundled registry of bodies. Only
// validators call it, and validators do not run on replay, so a registry
// that grows between releases never changes a replayed decision.
func knownMinistry(id string) bool {
	reg, err := plan.DefaultRegistry()
	if err != nil {
		return false
	}
	_, ok := reg.ByID(id)
	return ok
}

// CheckSpec applies the checks the workflow makes when it starts, so a
// launcher can refuse a spec before anything starts.
func CheckSpec(spec TaskSpec) error {
	_, err := normalizeSpec(spec)
	return err
}

// normalizeSpec checks a spec and fills in the default periods.
func normalizeSpec(spec TaskSpec) (TaskSpec, error) {
	switch {
	case spec.PlanID == "":
		return spec, fmt.Errorf("task spec: plan_id is empty")
	case spec.TaskNo == "":
		return spec, fmt.Errorf("task spec: task_no is empty")
	case len(spec.Participants) == 0:
		return spec, fmt.Errorf("task %s: no participants", spec.TaskNo)
	}
	seen := map[string]bool{}
	for _, p := range spec.Participants {
		if p == "" || seen[p] {
			return spec, fmt.Errorf("task %s: participant %q is empty or listed twice", spec.TaskNo, p)
		}
		seen[p] = true
	}
	if spec.Lead != "" && spec.Participants[0] != spec.Lead {
		return spec, fmt.Errorf("task %s: lead %q must be listed first among the participants", spec.TaskNo, spec.Lead)
	}
	defaults := []struct {
		d   *time.Duration
		def time.Duration
	}{
		{&spec.SignOffPeriod, DefaultSignOffPeriod},
		{&spec.ReviewPeriod, DefaultReviewPeriod},
		{&spec.ReminderInterval, DefaultReminderInterval},
		{&spec.WarningWindow, DefaultWarningWindow},
	}
	for _, d := range defaults {
		if *d.d < 0 {
			return spec, fmt.Errorf("task %s: periods must not be negative", spec.TaskNo)
		}
		if *d.d == 0 {
			*d.d = d.def
		}
	}
	return spec, nil
}

func (w *taskWorkflow) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (TaskStatus, error) {
		if w.shown != nil {
			return w.shown.status(w.spec), nil
		}
		return w.s.status(w.spec), nil
	}); err != nil {
		return fmt.Errorf("register query %s: %w", QueryStatus, err)
	}
	regs := []struct {
		name      string
		handler   any
		validator any
	}{
		{UpdateSignOff, w.signOff, validator(w, w.validateSignOff)},
		{UpdateReview, w.review, validator(w, w.validateReview)},
		{UpdateReportProgress, w.reportProgress, validator(w, w.validateProgress)},
		{UpdateRequestExtension, w.requestExtension, validator(w, w.validateExtensionRequest)},
		{UpdateDecideExtension, w.decideExtension, validator(w, w.validateExtensionDecision)},
		{UpdateAmend, w.amend, validatorCtx(w, func(ctx workflow.Context, r AmendRequest) error {
			if err := w.checkAmendNew(ctx, r); err != nil {
				return err
			}
			return w.validateAmend(r)
		})},
		{UpdateCancel, w.cancel, validator(w, w.validateCancel)},
		{UpdateUrge, w.urge, validator(w, w.validateUrge)},
	}
	for _, r := range regs {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, r.name, r.handler,
			workflow.UpdateHandlerOptions{Validator: r.validator}); err != nil {
			return fmt.Errorf("register update %s: %w", r.name, err)
		}
	}
	return nil
}

// run records the assignment, then keeps reminders, warnings and escalation
// going until the task is closed or cancelled.
func (w *taskWorkflow) run(ctx workflow.Context) (TaskOutcome, error) {
	if err := w.assign(ctx); err != nil {
		return TaskOutcome{}, err
	}
	w.upsertSearch(ctx)
	// A decision being recorded may put the state back (the ledger refused
	// it), so a task seen closed is checked again once handlers settle.
	for w.s.open() {
		for w.s.open() {
			now := workflow.Now(ctx)
			w.wakeAt = w.nextWake(now)
			wait := w.wakeAt.Sub(now)
			w.dirty = false
			if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool {
				return w.woken(ctx) || !w.s.open() || w.continueAsNewDue(ctx)
			}); err != nil {
				return TaskOutcome{}, err
			}
			if !w.s.open() {
				break
			}
			if err := w.tick(ctx); err != nil {
				return TaskOutcome{}, err
			}
			if w.continueAsNewDue(ctx) {
				if err := w.settle(ctx); err != nil {
					return TaskOutcome{}, err
				}
				if w.s.open() {
					state := w.s
					return TaskOutcome{}, workflow.NewContinueAsNewError(ctx, WorkflowName, TaskInput{
						Spec: w.spec, State: &state, ContinueAsNewAfter: w.canAfter, Gen: w.gen,
					})
				}
			}
		}
		if err := w.settle(ctx); err != nil {
			return TaskOutcome{}, err
		}
	}
	w.upsertSearch(ctx)
	return *w.s.Outcome, nil
}

// assign records the assignment once, with its notifications. On the
// transactional outbox it holds the handler mutex, so no decision reaches
// the ledger before the task's assignment does, and retries until recorded.
func (w *taskWorkflow) assign(ctx workflow.Context) error {
	if w.s.Assigned {
		return nil
	}
	id := w.id + "/assigned"
	payload := fields("participants", strings.Join(w.s.ids(), ","), "lead", w.s.Lead, "sign_off_due", w.s.SignOffDue.Format(time.RFC3339))
	if !w.outbox(ctx) {
		if _, err := w.record(ctx, w.s.Round, id, ledger.KindAssigned, officeRecipient, "", payload, nil); err != nil {
			return err
		}
		w.s.Decisions++
		w.s.Assigned = true
		w.notifyAll(ctx, notifyAssignment, "")
		return nil
	}
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	w.notifyAll(ctx, notifyAssignment, "")
	if err := w.recordSystem(ctx, id, ledger.KindAssigned, officeRecipient, payload, w.takeOutgoing()); err != nil {
		return err
	}
	w.s.Assigned = true
	return nil
}

// settle waits until every update handler and notification has finished.
func (w *taskWorkflow) settle(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool {
		return workflow.AllHandlersFinished(ctx) && w.inflight == 0
	})
}

func (w *taskWorkflow) continueAsNewDue(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	if info.GetContinueAsNewSuggested() {
		return true
	}
	return w.canAfter > 0 && info.GetCurrentHistoryLength() >= w.canAfter
}

// versionRearmOnTimingOnly marks the change that stopped waking the timer
// loop after decisions that do not touch a due date or the phase.
const versionRearmOnTimingOnly = "rearm-on-timing-only"

// rearm wakes the timer loop to recompute its next wake-up.
func (w *taskWorkflow) rearm() { w.dirty = true }

// woken reports whether a decision asked the timer loop to recompute. From
// GenBoard on, only a wake-up earlier than the running timer's does: a
// later one is picked up when that timer fires, so a decision costs no
// timer cancelled and started again.
func (w *taskWorkflow) woken(ctx workflow.Context) bool {
	if !w.dirty {
		return false
	}
	if w.gen < GenBoard {
		return true
	}
	return w.nextWake(workflow.Now(ctx)).Before(w.wakeAt)
}

// finish ends the task with the given status.
func (w *taskWorkflow) finish(ctx workflow.Context, status, comment string) {
	w.rearm()
	w.s.Status = status
	w.s.Outcome = &TaskOutcome{
		Status: status, Rounds: w.s.Round, Decisions: w.s.Decisions,
		EndedAt: workflow.Now(ctx), Comment: comment,
	}
	w.s.Warning = WarningGreen
}

// enterReview moves a completed round to the office.
func (w *taskWorkflow) enterReview(ctx workflow.Context) {
	w.rearm()
	now := workflow.Now(ctx)
	w.s.Status = StatusInReview
	w.s.ReviewDue = now.Add(w.spec.ReviewPeriod)
	w.s.NextReminder = now.Add(w.spec.ReminderInterval)
	w.s.Escalated = ""
	w.s.Warning = warningAt(now, w.s.ReviewDue, w.spec.WarningWindow)
	w.notify(ctx, notifyReviewRequest, officeRecipient, "")
}

// completeRoundIfDone enters review once every participant has answered.
func (w *taskWorkflow) completeRoundIfDone(ctx workflow.Context) {
	if w.s.Status == StatusSigning && len(w.s.pending()) == 0 {
		w.enterReview(ctx)
	}
}

// archiveRound stores the current round's answers with its review.
func (w *taskWorkflow) archiveRound(review ReviewRecord) {
	w.s.Rounds = append(w.s.Rounds, RoundRecord{
		Round: w.s.Round, Participants: slices.Clone(w.s.Participants), Review: review,
	})
}
