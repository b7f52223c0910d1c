package audit

import (
	"context"
	"fmt"

	"lianxi/cycles"
)

// AddRounds puts on the timeline the task's standing in every reporting
// round (定期报送) that asked about it: the round (its cycle, key and
// window) and, for each reporter, whether it reported and with which
// ledger record. Rounds are their own workflows, so the task's history
// holds none of this; it is read from the ledger alone.
func (tl *Timeline) AddRounds(ctx context.Context, l cycles.Reader) error {
	rs, err := cycles.TaskReports(ctx, l, tl.WorkflowID)
	if err != nil {
		return fmt.Errorf("timeline of %s: %w", tl.WorkflowID, err)
	}
	tl.Rounds = rs
	return nil
}
