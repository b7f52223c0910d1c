package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/ledger"
)

// a is only used to name activities; the worker registers the real struct.
var a *activities.Activities

const (
	officeRecipient          = activities.Office
	notifyAssignment         = activities.NotifyAssignment
	notifyReminder           = activities.NotifyReminder
	notifyOverdue            = activities.NotifyOverdue
	notifyObjection          = activities.NotifyObjection
	notifyReviewRequest      = activities.NotifyReviewRequest
	notifyReturn             = activities.NotifyReturn
	notifyClosure            = activities.NotifyClosure
	notifyCancellation       = activities.NotifyCancellation
	notifyExtensionRequest   = activities.NotifyExtensionRequest
	notifyExtensionDecision  = activities.NotifyExtensionDecision
	notifyParticipantChanged = activities.NotifyParticipantChanged
	notifyUrge               = activities.NotifyUrge
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
		NonRetryableErrorTypes: []string{activities.ErrTypeInvalidEntry},
	},
}

// NotifyOptions are the activity options of every notification the
// lifecycle sends: retried with backoff for up to a day, never blocking a
// caller, a refusal not retried. Tests of delivery run with these options.
func NotifyOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute,
			NonRetryableErrorTypes: []string{activities.ErrTypeNotificationRefused},
		},
	}
}

// versionOutbox marks the change to the transactional outbox: a decision's
// notifications are written in the transaction that records it, and a
// dispatcher in the worker delivers them; the workflow never waits for a
// delivery. Runs started before it keep their notification activities.
const versionOutbox = "outbox"

// outbox reports whether this run uses the transactional outbox. Each
// decision, tick and the assignment ask once, at their start; what they
// notify follows that answer (notifyMany reads w.outboxOn), so one
// decision never mixes the two ways. A run switches at most once.
func (w *taskWorkflow) outbox(ctx workflow.Context) bool {
	if !w.outboxOn {
		w.outboxOn = workflow.GetVersion(ctx, versionOutbox, workflow.DefaultVersion, 1) == 1
	}
	return w.outboxOn
}

// versionBoard marks the change that keeps the task's row on the board
// with every record. Runs of GenBoard and later have it (and the outbox)
// from their start: newTaskWorkflow sets both, so neither asks a version.
const versionBoard = "board"

// board reports whether this run keeps its board row. It is asked at each
// record on the transactional outbox; a run switches at most once.
func (w *taskWorkflow) board(ctx workflow.Context) bool {
	if !w.boardOn {
		w.boardOn = workflow.GetVersion(ctx, versionBoard, workflow.DefaultVersion, 1) == 1
	}
	return w.boardOn
}

// boardRow is the task's row as of now.
func (w *taskWorkflow) boardRow(ctx workflow.Context) *ledger.BoardRow {
	return &ledger.BoardRow{
		WorkflowID: w.id, PlanID: w.spec.PlanID, TaskNo: w.spec.TaskNo, Title: w.spec.Title,
		Status: w.s.Status, Round: w.s.Round, Lead: w.s.Lead, Participants: w.s.ids(), Pending: w.s.pending(),
		Due: w.s.currentDue(), WarningWindow: w.spec.WarningWindow, Decisions: w.s.Decisions, UpdatedAt: workflow.Now(ctx),
	}
}

// takeOutgoing hands over the notifications collected since the last call,
// for the record that causes them.
func (w *taskWorkflow) takeOutgoing() []activities.Notification {
	ns := w.outgoing
	w.outgoing = nil
	return ns
}

// record puts one decision of this task, made in round, on the ledger, with
// the notifications it causes in the same transaction.
func (w *taskWorkflow) record(ctx workflow.Context, round int, id, kind, actor, person string, payload map[string]string, notes []activities.Notification) (activities.RecordDecisionResult, error) {
	in := activities.RecordDecisionInput{Entry: ledger.Entry{
		DecisionID: id, WorkflowID: w.id, RunID: w.runID,
		PlanID: w.spec.PlanID, TaskNo: w.spec.TaskNo, Round: round,
		Kind: kind, Ministry: actor, Person: person, Payload: payload, At: workflow.Now(ctx),
	}, Notifications: notes}
	if w.outboxOn && w.board(ctx) {
		in.Board = w.boardRow(ctx)
	}
	var res activities.RecordDecisionResult
	lctx := workflow.WithLocalActivityOptions(ctx, recordOptions)
	if err := workflow.ExecuteLocalActivity(lctx, a.RecordDecision, in).Get(lctx, &res); err != nil {
		return res, temporal.NewApplicationErrorWithCause(
			fmt.Sprintf("ledger unavailable: decision %s was not recorded and nothing changed; retry with the same request ID", id),
			ErrTypeLedger, err)
	}
	return res, nil
}

// recordSystem records a decision the clock made (assignment, reminder,
// escalation) and retries until the ledger takes it: it counts as done only
// once recorded. Between attempts it lets people's decisions through; they
// fail fast while the ledger is down. The caller holds w.mu.
func (w *taskWorkflow) recordSystem(ctx workflow.Context, id, kind, actor string, payload map[string]string, notes []activities.Notification) error {
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		_, err := w.record(ctx, w.s.Round, id, kind, actor, "", payload, notes)
		if err == nil {
			w.s.Decisions++
			return nil
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

// notify sends one notification in the background; failures are logged,
// never returned to a caller.
func (w *taskWorkflow) notify(ctx workflow.Context, kind, recipient, detail string) {
	w.notifyMany(ctx, kind, []string{recipient}, detail)
}

// notifyAll tells every participant.
func (w *taskWorkflow) notifyAll(ctx workflow.Context, kind, detail string) {
	w.notifyMany(ctx, kind, w.s.ids(), detail)
}

// versionBatchNotify marks the change that sends one event's notifications
// to all its recipients in one activity instead of one activity each.
const versionBatchNotify = "batch-notify"

// notifyMany sends one event's notification to each recipient, each with its
// own idempotency key. Runs started before versionBatchNotify keep one
// activity per recipient; newer runs send them in one batch activity.
func (w *taskWorkflow) notifyMany(ctx workflow.Context, kind string, recipients []string, detail string) {
	if len(recipients) == 0 {
		return
	}
	ns := make([]activities.Notification, 0, len(recipients))
	for _, r := range recipients {
		w.s.NotifySeq++
		ns = append(ns, activities.Notification{
			ID: fmt.Sprintf("%s/n%d", w.id, w.s.NotifySeq), Recipient: r, Kind: kind,
			PlanID: w.spec.PlanID, TaskNo: w.spec.TaskNo, Title: w.spec.Title,
			Round: w.s.Round, Due: w.s.currentDue(), Detail: detail,
		})
	}
	if w.outboxOn {
		w.outgoing = append(w.outgoing, ns...)
		return
	}
	batch := workflow.GetVersion(ctx, versionBatchNotify, workflow.DefaultVersion, 1) == 1
	send := func(fn any, arg any) {
		w.inflight++
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer func() { w.inflight-- }()
			actx := workflow.WithActivityOptions(ctx, NotifyOptions())
			if err := workflow.ExecuteActivity(actx, fn, arg).Get(actx, nil); err != nil {
				workflow.GetLogger(ctx).Warn("notification not delivered", "kind", kind, "error", err)
			}
		})
	}
	if batch {
		send(a.NotifyBatch, activities.NotifyBatchInput{Notifications: ns})
		return
	}
	for _, n := range ns {
		send(a.Notify, activities.NotifyInput{Notification: n})
	}
}

// WarningAt is the traffic light for a due date seen at now, for readers
// of the board, which stores due dates, not colours.
func WarningAt(now, due time.Time, window time.Duration) string { return warningAt(now, due, window) }

// warningAt is the traffic light for a due date seen at now.
func warningAt(now, due time.Time, window time.Duration) string {
	switch {
	case !now.Before(due):
		return WarningRed
	case !now.Before(due.Add(-window)):
		return WarningYellow
	default:
		return WarningGreen
	}
}

// nextWake is the next moment a timer matters: a reminder, the warning
// turning yellow (before GenReaderLight), or the due date.
func (w *taskWorkflow) nextWake(now time.Time) time.Time {
	due := w.s.currentDue()
	next := now.Add(365 * 24 * time.Hour)
	yellow := due.Add(-w.spec.WarningWindow)
	if w.readerLight {
		yellow = time.Time{}
	}
	for _, t := range []time.Time{w.s.NextReminder, yellow, due} {
		if t.After(now) && t.Before(next) {
			next = t
		}
	}
	return next
}

// tick applies what the clock decides: the warning colour, the overdue
// escalation (once per phase and round), and reminders. Runs on the
// transactional outbox record each reminder and escalation with its
// notifications, under the handler mutex, before it counts as done.
func (w *taskWorkflow) tick(ctx workflow.Context) error {
	outbox := w.outbox(ctx)
	if outbox {
		if err := w.mu.Lock(ctx); err != nil {
			return err
		}
		defer w.mu.Unlock()
		if !w.s.open() {
			return nil
		}
	}
	now := workflow.Now(ctx)
	w.s.Warning = warningAt(now, w.s.currentDue(), w.spec.WarningWindow)
	key := fmt.Sprintf("%s/%d", w.s.Status, w.s.Round)
	if w.s.Warning == WarningRed && w.s.Escalated != key {
		pending := strings.Join(w.s.pending(), ",")
		if w.s.Status == StatusInReview {
			pending = officeRecipient
		}
		id := fmt.Sprintf("%s/overdue/%s/%s", w.id, key, w.s.currentDue().UTC().Format(time.RFC3339))
		payload := fields("phase", w.s.Status, "pending", pending, "due", w.s.currentDue().UTC().Format(time.RFC3339))
		if outbox {
			w.notify(ctx, notifyOverdue, officeRecipient, pending)
			if err := w.recordSystem(ctx, id, ledger.KindEscalation, "system", payload, w.takeOutgoing()); err != nil {
				return err
			}
			w.s.Escalated = key
		} else {
			w.s.Escalated = key
			if _, err := w.record(ctx, w.s.Round, id, ledger.KindEscalation, "system", "", payload, nil); err != nil {
				workflow.GetLogger(ctx).Error("overdue escalation not recorded", "error", err)
			} else {
				w.s.Decisions++
			}
			w.notify(ctx, notifyOverdue, officeRecipient, pending)
		}
	}
	if !now.Before(w.s.NextReminder) && w.s.open() {
		recipients := w.s.pending()
		if w.s.Status == StatusInReview {
			recipients = []string{officeRecipient}
		}
		w.notifyMany(ctx, notifyReminder, recipients, "")
		if outbox {
			id := fmt.Sprintf("%s/reminder/%d/%s", w.id, w.s.Round, now.UTC().Format(time.RFC3339))
			if err := w.recordSystem(ctx, id, ledger.KindReminder, "system", fields("phase", w.s.Status, "reminded", strings.Join(recipients, ",")), w.takeOutgoing()); err != nil {
				return err
			}
		}
		w.s.NextReminder = now.Add(w.spec.ReminderInterval)
	}
	w.upsertSearch(ctx)
	return nil
}

// fields builds a ledger payload from key/value pairs, leaving out empty
// values so absent text is absent, not "".
func fields(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}
