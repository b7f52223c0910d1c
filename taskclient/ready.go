package taskclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"lianxi/workflows"
)

// probeWorkflowID names a workflow that never exists: asking for it makes
// the frontend reach the history service that owns its shard.
const probeWorkflowID = "lianxi-readiness-probe"

// Ready reports whether Temporal answers what a decision needs: the
// frontend, the history service owning a shard (a query and an update go
// there first), and the matching service with at least one lianxi worker
// polling the task queue. A frontend that answers while the other services
// are still finding each other (after a restart on other ports, say) is
// not ready: queries and updates would time out.
func (c *Client) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := c.C.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return fmt.Errorf("not ready: Temporal's frontend does not serve: %w", err)
	}
	_, err := c.C.DescribeWorkflowExecution(ctx, probeWorkflowID, "")
	var notFound *serviceerror.NotFound
	if err != nil && !errors.As(err, &notFound) {
		return fmt.Errorf("not ready: Temporal's history service does not answer yet: %w", err)
	}
	tq, err := c.C.DescribeTaskQueue(ctx, workflows.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil {
		return fmt.Errorf("not ready: Temporal's matching service does not answer yet: %w", err)
	}
	if len(tq.GetPollers()) == 0 {
		return fmt.Errorf("not ready: no lianxi worker polls task queue %q yet", workflows.TaskQueue)
	}
	return nil
}
