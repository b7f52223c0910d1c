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
)

// ErrTypeLedger is the error type of an update whose decision could not be
// recorded; nothing was applied and the caller may retry with the same ID.
const ErrTypeLedger = "LedgerUnavailable"

// recordOptions: a decision is recorded by a local activity inside the
// handler, so the caller's answer waits for it; retries are bounded so a
// ledger outage surfaces as an error instead of a hung request.
var recordOptions = workflow.LocalActivityOptions{
	ScheduleToCloseTimeout: time.Minute,
	StartToCloseTimeout:    10 * time.Second,
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

// record puts one decision of this task on the ledger.
func (w *taskWorkflow) record(ctx workflow.Context, id, kind, actor, person string, payload map[string]string) (activities.RecordDecisionResult, error) {
	in := activities.RecordDecisionInput{Entry: ledger.Entry{
		DecisionID: id, WorkflowID: w.id, RunID: w.runID,
		PlanID: w.spec.PlanID, TaskNo: w.spec.TaskNo, Round: w.s.Round,
		Kind: kind, Ministry: actor, Person: person, Payload: payload, At: workflow.Now(ctx),
	}}
	var res activities.RecordDecisionResult
	lctx := workflow.WithLocalActivityOptions(ctx, recordOptions)
	if err := workflow.ExecuteLocalActivity(lctx, a.RecordDecision, in).Get(lctx, &res); err != nil {
		return res, temporal.NewApplicationErrorWithCause(
			fmt.Sprintf("decision %s was not recorded on the ledger; nothing changed, retry with the same request ID", id),
			ErrTypeLedger, err)
	}
	w.s.Decisions++
	return res, nil
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
// turning yellow, or the due date.
func (w *taskWorkflow) nextWake(now time.Time) time.Time {
	due := w.s.currentDue()
	next := now.Add(365 * 24 * time.Hour)
	for _, t := range []time.Time{w.s.NextReminder, due.Add(-w.spec.WarningWindow), due} {
		if t.After(now) && t.Before(next) {
			next = t
		}
	}
	return next
}

// tick applies what the clock decides: the warning colour, the overdue
// escalation (once per phase and round), and reminders.
func (w *taskWorkflow) tick(ctx workflow.Context) {
	now := workflow.Now(ctx)
	w.s.Warning = warningAt(now, w.s.currentDue(), w.spec.WarningWindow)
	key := fmt.Sprintf("%s/%d", w.s.Status, w.s.Round)
	if w.s.Warning == WarningRed && w.s.Escalated != key {
		w.s.Escalated = key
		pending := strings.Join(w.s.pending(), ",")
		if w.s.Status == StatusInReview {
			pending = officeRecipient
		}
		id := fmt.Sprintf("%s/overdue/%s/%s", w.id, key, w.s.currentDue().UTC().Format(time.RFC3339))
		if _, err := w.record(ctx, id, ledger.KindEscalation, "system", "", fields("phase", w.s.Status, "pending", pending, "due", w.s.currentDue().UTC().Format(time.RFC3339))); err != nil {
			workflow.GetLogger(ctx).Error("overdue escalation not recorded", "error", err)
		}
		w.notify(ctx, notifyOverdue, officeRecipient, pending)
	}
	if !now.Before(w.s.NextReminder) && w.s.open() {
		w.s.NextReminder = now.Add(w.spec.ReminderInterval)
		if w.s.Status == StatusInReview {
			w.notify(ctx, notifyReminder, officeRecipient, "")
		} else {
			w.notifyMany(ctx, notifyReminder, w.s.pending(), "")
		}
	}
	w.upsertSearch(ctx)
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
