package cycles

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

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

func durationOrEmpty(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}
