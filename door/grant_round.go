package door

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"lianxi/cycles"
)

// scheduledStart is the search attribute a Temporal Schedule stamps on the
// runs it starts: the date the run is for.
var scheduledStart = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// checkGrantedRound binds an office grant to the cycle it was given to.
// The grant's MAC covers every setting of the round's input (plan, cycle,
// window, reminder, reporters), so none can be changed; this adds where
// the input may run: only as one of that cycle's rounds, under the
// workflow ID its schedule gives a date (ScheduleRoundPrefix-<RFC 3339>),
// for the date the run is stamped with. Copied from the schedule by a bare
// Temporal client, a grant cannot start a round under another ID or name
// it for another date; and a date's round runs once, since its records
// are keyed by that ID.
func checkGrantedRound(ctx workflow.Context, arg any) error {
	raw, err := json.Marshal(arg)
	if err != nil {
		return fmt.Errorf("read the round's input: %w", err)
	}
	var in cycles.RoundInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return fmt.Errorf("read the round's input: %w", err)
	}
	if in.CycleID == "" {
		return errors.New("the office's grant is given to a cycle's schedule, and this round names no cycle: start a round by hand through lianxi")
	}
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	prefix := cycles.ScheduleRoundPrefix(in.PlanID, in.CycleID) + "-"
	at, stamped := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStart)
	if !strings.HasPrefix(id, prefix) || !stamped || strings.TrimPrefix(id, prefix) != at.UTC().Format(time.RFC3339) {
		return fmt.Errorf("the office's grant for cycle %s of %s starts that cycle's rounds only, each under the ID its schedule gives its date (%s<date>), not %s", in.CycleID, in.PlanID, prefix, id)
	}
	return nil
}
