package cycles

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"lianxi/domain"
)

// readOptions bound the round's reads of the ledger; they run as local
// activities because they are short and on the worker's own database. A
// ledger down for a while delays the round's close rather than losing its
// bulletin: nothing retries a failed round.
var readOptions = workflow.LocalActivityOptions{
	ScheduleToCloseTimeout: 30 * time.Minute,
	StartToCloseTimeout:    20 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: 500 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second,
	},
}

// recordOptions are those of every ledger write; the ledger deduplicates
// on decision ID, so a retry never writes twice.
var recordOptions = workflow.LocalActivityOptions{
	ScheduleToCloseTimeout: 30 * time.Minute,
	StartToCloseTimeout:    10 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: 200 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 5 * time.Second,
		NonRetryableErrorTypes: []string{domain.ErrTypeInvalidEntry},
	},
}

// scheduledTime is the search attribute a Temporal Schedule stamps on the
// runs it starts.
var scheduledTime = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// round is one reporting round's state.
type round struct {
	in     RoundInput
	id     string
	runID  string
	key    string
	opened time.Time
	closes time.Time
	tasks  []RoundTask
}

// Round is the reporting-round workflow: open, wait for the window
// (reminding before its close), close, issue the bulletin.
func Round(ctx workflow.Context, in RoundInput) (RoundResult, error) {
	r, err := setup(ctx, in)
	if err != nil {
		return RoundResult{}, err
	}
	return r.run(ctx)
}

// setup validates the input and fixes the round's key and window.
func setup(ctx workflow.Context, in RoundInput) (*round, error) {
	if err := in.Validate(); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "InvalidRound", err)
	}
	if in.Reporters == "" {
		in.Reporters = ReportersLead
	}
	info := workflow.GetInfo(ctx)
	r := &round{in: in, id: info.WorkflowExecution.ID, runID: info.WorkflowExecution.RunID, opened: workflow.Now(ctx).UTC()}
	r.closes = r.opened.Add(in.Window)
	r.key = in.RoundKey
	if r.key == "" {
		at, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledTime)
		if !ok {
			at = info.WorkflowStartTime
		}
		r.key = roundKey(at)
	}
	return r, nil
}

func (r *round) run(ctx workflow.Context) (RoundResult, error) {
	rctx := workflow.WithLocalActivityOptions(ctx, readOptions)
	if err := workflow.ExecuteLocalActivity(rctx, ReadTasksActivity, ReadTasksInput{PlanID: r.in.PlanID, Reporters: r.in.Reporters}).Get(ctx, &r.tasks); err != nil {
		return RoundResult{}, fmt.Errorf("read the open tasks of %s: %w", r.in.PlanID, err)
	}
	if _, err := r.record(ctx, KindRoundOpened, r.opened, r.openedPayload(), r.requests()); err != nil {
		return RoundResult{}, err
	}
	if b := r.in.RemindBefore; b > 0 {
		if err := workflow.Sleep(ctx, r.in.Window-b); err != nil {
			return RoundResult{}, err
		}
		if err := r.remind(ctx, rctx); err != nil {
			return RoundResult{}, err
		}
	}
	if err := workflow.Sleep(ctx, r.closes.Sub(workflow.Now(ctx))); err != nil {
		return RoundResult{}, err
	}
	return r.close(ctx, rctx)
}

// remind asks the reporters still missing once more, on the ledger and
// through the outbox; nobody missing, nothing is written.
func (r *round) remind(ctx, rctx workflow.Context) error {
	var st Standing
	if err := workflow.ExecuteLocalActivity(rctx, StandingActivity, StandingInput{Tasks: r.tasks, From: r.opened, To: workflow.Now(ctx)}).Get(ctx, &st); err != nil {
		return fmt.Errorf("read who has reported: %w", err)
	}
	if len(st.Missing) == 0 {
		return nil
	}
	var ns []domain.Notification
	for _, a := range st.Missing {
		ns = append(ns, r.notice(NotifyRoundReminder, "reminder", a))
	}
	_, err := r.record(ctx, KindRoundReminder, workflow.Now(ctx), domain.Fields("round", r.key, "missing", answers(st.Missing)), ns)
	return err
}

// close records who reported and issues the bulletin.
func (r *round) close(ctx, rctx workflow.Context) (RoundResult, error) {
	in := CompileInput{PlanID: r.in.PlanID, CycleID: r.in.CycleID, RoundKey: r.key, RoundID: r.id, Tasks: r.tasks, From: r.opened, To: r.closes}
	var c Compiled
	if err := workflow.ExecuteLocalActivity(rctx, CompileActivity, in).Get(ctx, &c); err != nil {
		return RoundResult{}, fmt.Errorf("compile the bulletin of round %s: %w", r.key, err)
	}
	st := c.Standing
	if _, err := r.record(ctx, KindRoundClosed, r.closes, domain.Fields("round", r.key,
		"reported", answers(st.Reported), "missing", answers(st.Missing), "dropped", strings.Join(st.Dropped, ",")), nil); err != nil {
		return RoundResult{}, err
	}
	office := []domain.Notification{{ID: r.id + "/bulletin/n", Recipient: domain.Office, Kind: NotifyBulletin,
		PlanID: r.in.PlanID, Title: "督查通报 " + r.key, Due: r.closes}}
	res, err := r.record(ctx, KindBulletin, r.closes, domain.Fields("round", r.key, PayloadSHA256, c.SHA256, PayloadBulletin, c.JSON), office)
	if err != nil {
		return RoundResult{}, err
	}
	return RoundResult{RoundKey: r.key, BulletinSeq: res.Seq, BulletinHash: c.SHA256, Reported: len(st.Reported), Missing: st.Missing}, nil
}

// record writes one of the round's records, with the notifications it
// causes, through the recording local activity. Its decision ID is the
// round's ID and the kind, so a retried or replayed write finds the first.
func (r *round) record(ctx workflow.Context, kind string, at time.Time, payload map[string]string, ns []domain.Notification) (domain.RecordResult, error) {
	in := domain.RecordInput{Entry: domain.Entry{
		DecisionID: r.id + "/" + kind, WorkflowID: r.id, RunID: r.runID, PlanID: r.in.PlanID,
		Kind: kind, Ministry: domain.ActorSystem, Payload: payload, At: at,
	}, Notifications: ns}
	var res domain.RecordResult
	lctx := workflow.WithLocalActivityOptions(ctx, recordOptions)
	if err := workflow.ExecuteLocalActivity(lctx, domain.RecordActivity, in).Get(lctx, &res); err != nil {
		return res, fmt.Errorf("record %s of round %s: %w", kind, r.key, err)
	}
	return res, nil
}

// openedPayload names the round, its window and whom it asks.
func (r *round) openedPayload() map[string]string {
	var owed []Answer
	for _, t := range r.tasks {
		for _, m := range t.Reporters {
			owed = append(owed, Answer{TaskNo: t.TaskNo, Ministry: m})
		}
	}
	return domain.Fields("round", r.key, "cycle", r.in.CycleID, "reporters", r.in.Reporters,
		"from", r.opened.Format(time.RFC3339), "to", r.closes.Format(time.RFC3339), "owed", answers(owed))
}

// requests are the 本期待报送 notices: one per reporter and task.
func (r *round) requests() []domain.Notification {
	var ns []domain.Notification
	for _, t := range r.tasks {
		for _, m := range t.Reporters {
			ns = append(ns, r.notice(NotifyRoundRequest, "request", Answer{TaskNo: t.TaskNo, Ministry: m}))
		}
	}
	return ns
}

func (r *round) notice(kind, tag string, a Answer) domain.Notification {
	title := ""
	for _, t := range r.tasks {
		if t.TaskNo == a.TaskNo {
			title = t.Title
		}
	}
	return domain.Notification{ID: r.id + "/" + tag + "/" + a.TaskNo + "/" + a.Ministry, Recipient: a.Ministry, Kind: kind,
		PlanID: r.in.PlanID, TaskNo: a.TaskNo, Title: title, Due: r.closes, Detail: "报送期 " + r.key}
}

// answers writes task:ministry pairs as one comma-separated payload field.
func answers(as []Answer) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.TaskNo + ":" + a.Ministry
	}
	return strings.Join(parts, ",")
}

// roundKey names a round by the date it was scheduled for (UTC); a round
// started at another time of day (a trigger, a drill) is named to the
// second.
func roundKey(at time.Time) string {
	at = at.UTC()
	if at.Equal(at.Truncate(24 * time.Hour)) {
		return at.Format(time.DateOnly)
	}
	return at.Format(time.DateTime)
}
