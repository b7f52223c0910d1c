package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"lianxi/domain"
)

// ErrTypeLedger is the error type of an update whose decision could not be
// recorded; nothing was applied and the caller may retry with the same ID.
const ErrTypeLedger = "LedgerUnavailable"

// recordOptions: a decision is recorded by a local activity inside the
// handler, so the caller's answer waits for it; retries are bounded so a
// ledger outage surfaces as an error instead of a hung request.
var recordOptions = workflow.LocalActivityOptions{
	ScheduleToCloseTimeout: 10 * time.Second,
	StartToCloseTimeout:    5 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: 200 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 5 * time.Second,
		NonRetryableErrorTypes: []string{domain.ErrTypeInvalidEntry},
	},
}

// NotifyOptions are the activity options for delivering a notification
// from a workflow: retried with backoff for up to a day, a refusal not
// retried. The lifecycle itself never waits for a delivery (the outbox's
// dispatcher delivers); tests of delivery run with these options.
func NotifyOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute,
			NonRetryableErrorTypes: []string{domain.ErrTypeNotificationRefused},
		},
	}
}

// boardRow is the task's row as of now.
func (w *taskWorkflow) boardRow(ctx workflow.Context) *domain.BoardRow {
	return &domain.BoardRow{
		WorkflowID: w.id, PlanID: w.spec.PlanID, TaskNo: w.spec.TaskNo, Title: w.spec.Title,
		Status: w.s.Status, Round: w.s.Round, Lead: w.s.Lead, Participants: w.s.IDs(), Pending: w.s.Pending(),
		Due: w.s.CurrentDue(), WarningWindow: w.spec.WarningWindow, Decisions: w.s.Decisions, UpdatedAt: workflow.Now(ctx),
	}
}

// record puts one decision of this task, made in round, on the ledger, with
// the notifications it causes and the task's board row, in one transaction.
func (w *taskWorkflow) record(ctx workflow.Context, round int, id string, r domain.Record, notes []domain.Notification) (domain.RecordResult, error) {
	in := domain.RecordInput{Entry: domain.Entry{
		DecisionID: id, WorkflowID: w.id, RunID: w.runID,
		PlanID: w.spec.PlanID, TaskNo: w.spec.TaskNo, Round: round,
		Kind: r.Kind, Ministry: r.Actor, Person: r.Person, Payload: r.Payload, At: workflow.Now(ctx),
	}, Notifications: notes, Board: w.boardRow(ctx), Reflects: w.reflects()}
	var res domain.RecordResult
	lctx := workflow.WithLocalActivityOptions(ctx, recordOptions)
	if err := workflow.ExecuteLocalActivity(lctx, domain.RecordActivity, in).Get(lctx, &res); err != nil {
		var app *temporal.ApplicationError
		if w.converges && errors.As(err, &app) && app.Type() == domain.ErrTypeLedgerAhead {
			return res, errAhead
		}
		return res, temporal.NewApplicationErrorWithCause(
			fmt.Sprintf("ledger unavailable: decision %s was not recorded and nothing changed; retry with the same request ID", id),
			ErrTypeLedger, err)
	}
	w.s.LastSeq = max(w.s.LastSeq, res.Seq)
	return res, nil
}

// recordSystem records a decision the clock made (assignment, reminder,
// escalation) and retries until the ledger takes it: it counts as done only
// once recorded. Between attempts it lets people's decisions through; they
// fail fast while the ledger is down. The caller holds w.mu.
func (w *taskWorkflow) recordSystem(ctx workflow.Context, id, kind, actor string, payload map[string]string, notes []domain.Notification) error {
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		w.s.Decisions++
		_, err := w.record(ctx, w.s.Round, id, domain.Record{Kind: kind, Actor: actor, Payload: payload}, notes)
		if err == nil {
			return nil
		}
		w.s.Decisions--
		if errors.Is(err, errAhead) {
			// What the clock or the launch meant to record may no longer
			// hold once the workflow has caught up: its caller decides again.
			if _, err := w.catchUp(ctx, "behind"); err != nil {
				return err
			}
			return errAhead
		}
		workflow.GetLogger(ctx).Error("ledger unavailable; retrying", "decision", id, "error", err)
		if err := w.pause(ctx, wait); err != nil {
			return err
		}
	}
}

// pause lets other decisions through for d while the ledger is away. The
// caller holds w.mu and holds it again when pause returns, whatever the
// outcome, so its deferred Unlock stays right.
func (w *taskWorkflow) pause(ctx workflow.Context, d time.Duration) error {
	w.mu.Unlock()
	err := workflow.Sleep(ctx, d)
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	if lerr := w.mu.Lock(dctx); lerr != nil {
		panic(lerr) // a disconnected context is never cancelled
	}
	return err
}

// nextWake is the next moment a timer matters: a reminder or the due date.
// The traffic light is derived by its readers, so its turning yellow wakes
// nobody.
func (w *taskWorkflow) nextWake(now time.Time) time.Time {
	next := now.Add(365 * 24 * time.Hour)
	for _, t := range []time.Time{w.s.NextReminder, w.s.CurrentDue()} {
		if t.After(now) && t.Before(next) {
			next = t
		}
	}
	return next
}

// tick applies what the clock decides: the overdue escalation (once per
// phase and round) and reminders, each recorded with its notifications,
// under the handler mutex, before it counts as done.
func (w *taskWorkflow) tick(ctx workflow.Context) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	if !w.s.Open() {
		return nil
	}
	now := workflow.Now(ctx)
	due := w.s.CurrentDue()
	w.s.Warning = domain.WarningAt(now, due, w.spec.WarningWindow)
	key := fmt.Sprintf("%s/%d", w.s.Status, w.s.Round)
	if w.s.Warning == domain.WarningRed && w.s.Escalated != key {
		pending := strings.Join(w.s.Pending(), ",")
		if w.s.Status == domain.StatusInReview {
			pending = domain.Office
		}
		id := fmt.Sprintf("%s/overdue/%s/%s", w.id, key, due.UTC().Format(time.RFC3339))
		payload := domain.Fields("phase", w.s.Status, "pending", pending, "due", due.UTC().Format(time.RFC3339))
		c := w.change(ctx, id)
		c.NotifyOffice(domain.NotifyOverdue, pending)
		if err := w.recordSystem(ctx, id, domain.KindEscalation, domain.ActorSystem, payload, c.Out); err != nil {
			return skipAhead(err)
		}
		w.s.Escalated = key
	}
	if !now.Before(w.s.NextReminder) && w.s.Open() {
		recipients := w.s.Pending()
		if w.s.Status == domain.StatusInReview {
			recipients = []string{domain.Office}
		}
		id := fmt.Sprintf("%s/reminder/%d/%s", w.id, w.s.Round, now.UTC().Format(time.RFC3339))
		c := w.change(ctx, id)
		c.Notify(domain.NotifyReminder, recipients, "")
		if err := w.recordSystem(ctx, id, domain.KindReminder, domain.ActorSystem,
			domain.Fields("phase", w.s.Status, "reminded", strings.Join(recipients, ",")), c.Out); err != nil {
			return skipAhead(err)
		}
		w.s.NextReminder = now.Add(w.spec.ReminderInterval)
	}
	w.upsertSearch(ctx)
	return nil
}

// skipAhead drops errAhead: the clock's decision is made again, on the
// caught-up state, at the main loop's next wake-up.
func skipAhead(err error) error {
	if errors.Is(err, errAhead) {
		return nil
	}
	return err
}
