package bench

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
)

// settle waits until every workflow of ids has completed its first
// workflow task: a bare workflow has registered its update handler, a task
// has its assignment on the ledger. The launch phase ends there on both
// sides. A start returns once the server has the workflow; before settle,
// the first workflow tasks the starts queued were still being worked off
// when the first sign-offs went out, and those waited behind them (up to
// seconds), so the sign-off phase measured part of the launch.
//
// A few callers look in task order, each polling one workflow until it is
// there, so the polling adds little to the work it waits for.
func settle(ctx context.Context, c client.Client, ids []string) error {
	return parallel(len(ids), settleCallers, func(i int) error {
		for {
			d, err := c.DescribeWorkflowExecution(ctx, ids[i], "")
			if err != nil {
				return fmt.Errorf("wait for the first workflow task of %s: %w", ids[i], err)
			}
			if d.GetPendingWorkflowTask() == nil && d.GetWorkflowExecutionInfo().GetHistoryLength() > 2 {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(settlePoll):
			}
		}
	})
}

// settleCallers and settlePoll bound settle's polling: at most
// settleCallers/settlePoll describes a second.
const (
	settleCallers = 4
	settlePoll    = 25 * time.Millisecond
)
