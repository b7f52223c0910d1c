package cycles

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"lianxi/domain"
	"lianxi/ledger"
)

// ErrRoundRunning refuses a backfill while one of the cycle's rounds runs:
// with overlap skip, Temporal would drop the backfilled start unseen.
var ErrRoundRunning = errors.New("a round of the cycle is running")

// Backfilled says what a backfill did: the date whose round it started
// (none when every date in the range already had its round), the dates
// whose rounds had run, and those still without one.
type Backfilled struct {
	Started time.Time   `json:"started,omitzero"`
	Ran     []time.Time `json:"ran"`
	Left    []time.Time `json:"left"`
}

// Backfill runs a missed round of the cycle: the earliest date of its
// calendar in [from, to] whose round never opened (a pause or an outage
// longer than the catch-up window skipped it). It asks the schedule for a
// backfill of that one date with the cycle's overlap policy, skip: a round
// in progress blocks any other start, so one date is backfilled at a time
// and a backfill while a round runs is refused (ErrRoundRunning); run it
// again once that round closes for the next date. The round is named for
// its missed date and opens now, with the cycle's window.
//
// It is idempotent: a date whose round opened (the ledger holds its
// round-opened record) is never backfilled again, and a range with none
// left does nothing.
func (cs *Cycles) Backfill(ctx context.Context, planID, cycleID string, from, to time.Time, by string) (Backfilled, error) {
	out := Backfilled{Ran: []time.Time{}, Left: []time.Time{}}
	if !from.Before(to) {
		return out, fmt.Errorf("%w: a backfill needs --from before --to, not %s to %s", ErrInvalidCycle, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	h, err := cs.handle(ctx, planID, cycleID)
	if err != nil {
		return out, err
	}
	desc, err := h.Describe(ctx)
	if err != nil {
		return out, fmt.Errorf("read cycle %s of %s: %w", cycleID, planID, err)
	}
	c, ok, err := cycleOf(desc)
	if err != nil || !ok {
		return out, fmt.Errorf("read cycle %s of %s: its schedule holds no cycle (%v)", cycleID, planID, err)
	}
	if len(desc.Info.RunningWorkflows) > 0 {
		return out, fmt.Errorf("%w: %s; backfill once it closes", ErrRoundRunning, desc.Info.RunningWorkflows[0].WorkflowID)
	}
	opened := map[string]bool{}
	if err := cs.Ledger.ScanKind(ctx, planID, KindRoundOpened, func(r ledger.Record) error {
		opened[r.WorkflowID] = true
		return nil
	}); err != nil {
		return out, fmt.Errorf("read the rounds of %s: %w", planID, err)
	}
	for _, d := range c.Calendar.Between(from, to) {
		if opened[ScheduleRoundPrefix(planID, cycleID)+"-"+d.Format(time.RFC3339)] {
			out.Ran = append(out.Ran, d)
		} else {
			out.Left = append(out.Left, d)
		}
	}
	if len(out.Left) == 0 {
		return out, nil
	}
	out.Started, out.Left = out.Left[0], out.Left[1:]
	// Temporal backfills the calendar's times after Start up to End.
	err = h.Backfill(ctx, client.ScheduleBackfillOptions{Backfill: []client.ScheduleBackfill{{
		Start: out.Started.Add(-time.Second), End: out.Started, Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
	}}})
	if err != nil {
		return out, fmt.Errorf("backfill cycle %s of %s for %s: %w", cycleID, planID, out.Started.Format(time.RFC3339), err)
	}
	return out, cs.record(ctx, planID, cycleID, KindCycleTrigger, by, domain.Fields("backfill", out.Started.Format(time.RFC3339),
		"from", from.UTC().Format(time.RFC3339), "to", to.UTC().Format(time.RFC3339)))
}

// ParseRange reads a backfill's range as the office writes it: dates
// (2026-01-01, taken in UTC, the last one to its end) or RFC 3339 times.
func ParseRange(from, to string) (time.Time, time.Time, error) {
	parse := func(name, s string, end bool) (time.Time, error) {
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			if end {
				d = d.Add(24*time.Hour - time.Nanosecond)
			}
			return d, nil
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return t, fmt.Errorf("%w: %s must be a date (2026-01-31) or an RFC 3339 time, not %q", ErrInvalidCycle, name, s)
		}
		return t.UTC(), nil
	}
	f, err := parse("from", from, false)
	if err != nil {
		return f, f, err
	}
	t, err := parse("to", to, true)
	return f, t, err
}
