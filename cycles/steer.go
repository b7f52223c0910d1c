package cycles

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"lianxi/domain"
	"lianxi/ledger"
)

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
