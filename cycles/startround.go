package cycles

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

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
