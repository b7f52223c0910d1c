package cycles

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"lianxi/domain"
	"lianxi/ledger"
)

// CatchupWindow is how late a cycle's schedule may still start a round it
// missed (the cluster was down at the scheduled time). With overlap SKIP a
// round in progress blocks every other start, so after an outage of any
// length at most one missed round runs, and only when its date is less than
// a day old; older ones are for the office to backfill by hand.
const CatchupWindow = 24 * time.Hour

// Calendar is when a cycle's rounds start: at Hour:00 UTC on each of Days
// of each of Months (every month when empty).
type Calendar struct {
	Months []int `json:"months,omitempty"`
	Days   []int `json:"days,omitempty"`
	Hour   int   `json:"hour,omitempty"`
	// EverySeconds, for drills and tests, starts a round every so many
	// seconds instead (it must divide 60).
	EverySeconds int `json:"every_seconds,omitempty"`
}

// Monthly is a round on day of every month.
func Monthly(day int) Calendar { return Calendar{Days: []int{day}} }

// Quarterly is a round on day of each quarter's last month.
func Quarterly(day int) Calendar { return Calendar{Months: []int{3, 6, 9, 12}, Days: []int{day}} }

// spec turns the calendar into a schedule's calendar spec.
func (c Calendar) spec() (client.ScheduleSpec, error) {
	if c.EverySeconds > 0 {
		if 60%c.EverySeconds != 0 {
			return client.ScheduleSpec{}, fmt.Errorf("every_seconds must divide 60, not %d", c.EverySeconds)
		}
		return client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{{
			Second: []client.ScheduleRange{{Start: 0, End: 59, Step: c.EverySeconds}},
			Minute: []client.ScheduleRange{{Start: 0, End: 59}},
			Hour:   []client.ScheduleRange{{Start: 0, End: 23}},
		}}}, nil
	}
	if len(c.Days) == 0 {
		return client.ScheduleSpec{}, fmt.Errorf("a cycle needs its day of the month (e.g. 25)")
	}
	cal := client.ScheduleCalendarSpec{Hour: []client.ScheduleRange{{Start: c.Hour}}}
	if c.Hour < 0 || c.Hour > 23 {
		return client.ScheduleSpec{}, fmt.Errorf("hour must be 0-23, not %d", c.Hour)
	}
	for _, d := range c.Days {
		if d < 1 || d > 31 {
			return client.ScheduleSpec{}, fmt.Errorf("day of the month must be 1-31, not %d", d)
		}
		cal.DayOfMonth = append(cal.DayOfMonth, client.ScheduleRange{Start: d})
	}
	for _, m := range c.Months {
		if m < 1 || m > 12 {
			return client.ScheduleSpec{}, fmt.Errorf("month must be 1-12, not %d", m)
		}
		cal.Month = append(cal.Month, client.ScheduleRange{Start: m})
	}
	return client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{cal}}, nil
}

// Cycle is a plan's periodic reporting: when rounds start and what each
// asks. It is kept in its schedule's memo, so listing needs no other store.
type Cycle struct {
	PlanID       string        `json:"plan_id"`
	ID           string        `json:"id"`
	Calendar     Calendar      `json:"calendar"`
	Window       time.Duration `json:"window"`
	RemindBefore time.Duration `json:"remind_before,omitempty"`
	Reporters    string        `json:"reporters,omitempty"`
	// Paused is read back from the schedule; Create ignores it.
	Paused bool `json:"paused,omitempty"`
	// Next are the next start times Temporal plans, read back on List.
	Next []time.Time `json:"next,omitempty"`
}

// input is the round every start of the cycle runs.
func (c Cycle) input() RoundInput {
	return RoundInput{PlanID: c.PlanID, CycleID: c.ID, Window: c.Window, RemindBefore: c.RemindBefore, Reporters: c.Reporters}
}

// Recorder appends the office's cycle decisions and reads which rounds
// opened (for a backfill); *ledger.SQLStore is one.
type Recorder interface {
	Append(ctx context.Context, e ledger.Entry, also ...ledger.Also) (ledger.Record, error)
	KindScanner
}

// Cycles creates and steers the cycles of plans. Every change is made on
// the schedule first and then recorded on the ledger with who made it; a
// failed record is returned as an error, and the same call may be retried.
type Cycles struct {
	Schedules client.ScheduleClient
	Ledger    Recorder
	// TaskQueue is where the rounds run (the workers' queue).
	TaskQueue string
	// Now is the clock of the records.
	Now func() time.Time
	// Grant signs the input of a cycle's rounds (door.Key.Grant), so the
	// workers let its schedule start them; nil leaves them unsigned, for
	// workers without the door.
	Grant func(msg []byte) string
}

// granted is in with the office's grant, when the cycles can give one.
func (cs *Cycles) granted(in RoundInput) (RoundInput, error) {
	if cs.Grant == nil {
		return in, nil
	}
	in.Grant = ""
	msg, err := domain.GrantMessage(in)
	if err != nil {
		return in, err
	}
	in.Grant = cs.Grant(msg)
	return in, nil
}

// Errors of the office's cycle calls, for the API to answer with.
var (
	// ErrNoCycle reports a cycle the plan does not have.
	ErrNoCycle = errors.New("no such cycle")
	// ErrCycleExists reports a create with an ID the plan already uses.
	ErrCycleExists = errors.New("the cycle exists")
	// ErrInvalidCycle reports a cycle that cannot run as written.
	ErrInvalidCycle = errors.New("invalid cycle")
)

const memoKey = "cycle"

// Create makes the cycle's schedule: overlap SKIP, catch-up CatchupWindow.
func (cs *Cycles) Create(ctx context.Context, c Cycle, by string) error {
	// Temporal carries a schedule's ID in a gRPC header, which takes
	// printable ASCII only.
	if c.ID == "" || strings.ContainsFunc(c.ID, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == '.')
	}) {
		return fmt.Errorf("%w: a cycle needs an ID of letters, digits, '-', '_' or '.' (e.g. monthly), not %q", ErrInvalidCycle, c.ID)
	}
	if err := c.input().Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidCycle, err)
	}
	spec, err := c.Calendar.spec()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidCycle, err)
	}
	c.Paused, c.Next = false, nil
	input, err := cs.granted(c.input())
	if err != nil {
		return err
	}
	_, err = cs.Schedules.Create(ctx, client.ScheduleOptions{
		ID:   ScheduleID(c.PlanID, c.ID),
		Spec: spec,
		Action: &client.ScheduleWorkflowAction{
			ID: ScheduleRoundPrefix(c.PlanID, c.ID), Workflow: WorkflowName, Args: []any{input}, TaskQueue: cs.TaskQueue,
			Memo: map[string]any{memoKey: c},
		},
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: CatchupWindow,
		Note:          "created by " + by,
	})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("%w: plan %s already has a cycle %q; change it or delete it first", ErrCycleExists, c.PlanID, c.ID)
	}
	if err != nil {
		return fmt.Errorf("create cycle %s of %s: %w", c.ID, c.PlanID, err)
	}
	return cs.record(ctx, c.PlanID, c.ID, KindCycleCreated, by, domain.Fields(
		"calendar", c.Calendar.String(), "window", c.Window.String(), "remind_before", durationOrEmpty(c.RemindBefore),
		"reporters", c.input().Reporters))
}

// List returns a plan's cycles, ordered by ID. Temporal lists schedules
// from its visibility store, which may lag a create by a moment; each
// cycle is then read from its schedule's action, which Change rewrites.
func (cs *Cycles) List(ctx context.Context, planID string) ([]Cycle, error) {
	it, err := cs.Schedules.List(ctx, client.ScheduleListOptions{PageSize: 100})
	if err != nil {
		return nil, fmt.Errorf("list cycles of %s: %w", planID, err)
	}
	prefix := ScheduleID(planID, "")
	var out []Cycle
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("list cycles of %s: %w", planID, err)
		}
		if !strings.HasPrefix(e.ID, prefix) {
			continue
		}
		desc, err := cs.Schedules.GetHandle(ctx, e.ID).Describe(ctx)
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			continue // deleted since it was listed
		}
		if err != nil {
			return nil, fmt.Errorf("read cycle %s: %w", e.ID, err)
		}
		c, ok, err := cycleOf(desc)
		if err != nil {
			return nil, fmt.Errorf("read cycle %s: %w", e.ID, err)
		}
		if ok {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Cycle) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// cycleOf reads a cycle back from its schedule: the settings from the
// action's memo, the state and next dates from Temporal.
func cycleOf(desc *client.ScheduleDescription) (Cycle, bool, error) {
	var c Cycle
	act, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok {
		return c, false, nil
	}
	p, ok := act.Memo[memoKey].(*commonpb.Payload)
	if !ok {
		return c, false, nil
	}
	if err := converter.GetDefaultDataConverter().FromPayload(p, &c); err != nil {
		return c, false, err
	}
	if desc.Schedule.State != nil {
		c.Paused = desc.Schedule.State.Paused
	}
	c.Next = desc.Info.NextActionTimes
	return c, true, nil
}

// Change replaces a cycle's calendar, window, reminder and reporters; its
// state (paused or not) stays, and a round already running keeps the
// settings it started with.
func (cs *Cycles) Change(ctx context.Context, c Cycle, by string) error {
	if err := c.input().Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidCycle, err)
	}
	spec, err := c.Calendar.spec()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidCycle, err)
	}
	h, err := cs.handle(ctx, c.PlanID, c.ID)
	if err != nil {
		return err
	}
	c.Paused, c.Next = false, nil
	input, err := cs.granted(c.input())
	if err != nil {
		return err
	}
	err = h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		sched := in.Description.Schedule
		sched.Spec = &spec
		sched.Action = &client.ScheduleWorkflowAction{
			ID: ScheduleRoundPrefix(c.PlanID, c.ID), Workflow: WorkflowName, Args: []any{input}, TaskQueue: cs.TaskQueue,
			Memo: map[string]any{memoKey: c},
		}
		return &client.ScheduleUpdate{Schedule: &sched}, nil
	}})
	if err != nil {
		return fmt.Errorf("change cycle %s of %s: %w", c.ID, c.PlanID, err)
	}
	return cs.record(ctx, c.PlanID, c.ID, KindCycleChanged, by, domain.Fields(
		"calendar", c.Calendar.String(), "window", c.Window.String(), "remind_before", durationOrEmpty(c.RemindBefore),
		"reporters", c.input().Reporters))
}

// Pause stops the cycle's rounds until Resume; rounds missed meanwhile are
// not run on resume (backfill them by hand if the office wants them).
func (cs *Cycles) Pause(ctx context.Context, planID, cycleID, by, note string) error {
	h, err := cs.handle(ctx, planID, cycleID)
	if err != nil {
		return err
	}
	if err := h.Pause(ctx, client.SchedulePauseOptions{Note: "paused by " + by + ": " + note}); err != nil {
		return fmt.Errorf("pause cycle %s of %s: %w", cycleID, planID, err)
	}
	return cs.record(ctx, planID, cycleID, KindCyclePaused, by, domain.Fields("note", note))
}

// Resume starts the cycle's rounds again from the next date on.
func (cs *Cycles) Resume(ctx context.Context, planID, cycleID, by, note string) error {
	h, err := cs.handle(ctx, planID, cycleID)
	if err != nil {
		return err
	}
	if err := h.Unpause(ctx, client.ScheduleUnpauseOptions{Note: "resumed by " + by + ": " + note}); err != nil {
		return fmt.Errorf("resume cycle %s of %s: %w", cycleID, planID, err)
	}
	return cs.record(ctx, planID, cycleID, KindCycleResumed, by, domain.Fields("note", note))
}

// Delete removes the cycle's schedule; rounds already running finish, and
// issued bulletins stay on the ledger.
func (cs *Cycles) Delete(ctx context.Context, planID, cycleID, by string) error {
	h, err := cs.handle(ctx, planID, cycleID)
	if err != nil {
		return err
	}
	if err := h.Delete(ctx); err != nil {
		return fmt.Errorf("delete cycle %s of %s: %w", cycleID, planID, err)
	}
	return cs.record(ctx, planID, cycleID, KindCycleDeleted, by, nil)
}

// Trigger starts a round now (skipped, like any start, while one runs).
func (cs *Cycles) Trigger(ctx context.Context, planID, cycleID, by string) error {
	h, err := cs.handle(ctx, planID, cycleID)
	if err != nil {
		return err
	}
	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP}); err != nil {
		return fmt.Errorf("trigger cycle %s of %s: %w", cycleID, planID, err)
	}
	return cs.record(ctx, planID, cycleID, KindCycleTrigger, by, nil)
}

// handle returns the cycle's schedule, or ErrNoCycle.
func (cs *Cycles) handle(ctx context.Context, planID, cycleID string) (client.ScheduleHandle, error) {
	h := cs.Schedules.GetHandle(ctx, ScheduleID(planID, cycleID))
	if _, err := h.Describe(ctx); err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("%w: plan %s has no cycle %q; list them with `lianxi cycle list`", ErrNoCycle, planID, cycleID)
		}
		return nil, fmt.Errorf("find cycle %s of %s: %w", cycleID, planID, err)
	}
	return h, nil
}

// record writes one of the office's cycle decisions.
func (cs *Cycles) record(ctx context.Context, planID, cycleID, kind, by string, payload map[string]string) error {
	if payload == nil {
		payload = map[string]string{}
	}
	payload["cycle"] = cycleID
	e := ledger.Entry{DecisionID: kind + "/" + uuid.NewString(), WorkflowID: ScheduleID(planID, cycleID), PlanID: planID,
		Kind: kind, Ministry: domain.Office, Person: by, Payload: payload, At: cs.Now().UTC()}
	if _, err := cs.Ledger.Append(ctx, e); err != nil {
		return fmt.Errorf("record %s of cycle %s (the schedule has changed; retry to record it): %w", kind, cycleID, err)
	}
	return nil
}

// String writes the calendar for people: "months 3,6,9,12 day 25 at 00:00".
func (c Calendar) String() string {
	if c.EverySeconds > 0 {
		return "every " + strconv.Itoa(c.EverySeconds) + "s"
	}
	s := "every month"
	if len(c.Months) > 0 {
		s = "months " + ints(c.Months)
	}
	return fmt.Sprintf("%s day %s at %02d:00 UTC", s, ints(c.Days), c.Hour)
}

func ints(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

func durationOrEmpty(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// Next is the first start of the calendar strictly after t, as the
// schedule computes it (UTC); the zero time when none falls within four
// years (a 31st in months without one). Drills' calendars are not covered.
func (c Calendar) Next(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), c.Hour, 0, 0, 0, time.UTC)
	for i := 0; i < 4*366; i++ {
		d := day.AddDate(0, 0, i)
		if d.After(t) && slices.Contains(c.Days, d.Day()) && (len(c.Months) == 0 || slices.Contains(c.Months, int(d.Month()))) {
			return d
		}
	}
	return time.Time{}
}

// StartRound starts one round by hand, outside any cycle, under
// RoundID(plan, key). A key is a round's identity: a round that ran under
// it is never run again (its records and bulletin stand), so starting it
// twice fails.
func StartRound(ctx context.Context, c client.Client, taskQueue string, in RoundInput) (client.WorkflowRun, error) {
	if in.RoundKey == "" {
		return nil, fmt.Errorf("%w: a round started by hand needs its key (e.g. 2026-12)", ErrInvalidCycle)
	}
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCycle, err)
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: RoundID(in.PlanID, in.RoundKey), TaskQueue: taskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, WorkflowName, in)
	if err != nil {
		return nil, fmt.Errorf("start round %s of %s: %w", in.RoundKey, in.PlanID, err)
	}
	return run, nil
}
