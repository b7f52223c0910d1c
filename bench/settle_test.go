package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/server/temporaltest"
)

// The launch phase ends when each workflow has completed its first workflow
// task: settle waits while no worker has taken it, returns once one has, and
// names a workflow it cannot find.
func TestSettleWaitsForFirstWorkflowTasks(t *testing.T) {
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	c := ts.GetDefaultClient()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const queue = "settle-test"
	var ids []string
	for _, id := range []string{"settle/1", "settle/2", "settle/3"} {
		if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, BareWorkflow, 1); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	done := make(chan error, 1)
	go func() { done <- settle(ctx, c, ids) }()
	select {
	case err := <-done:
		t.Fatalf("settle returned (%v) before any worker took the first workflow tasks", err)
	case <-time.After(time.Second):
	}
	w := sdkworker.New(c, queue, sdkworker.Options{})
	w.RegisterWorkflow(BareWorkflow)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("settle did not return after a worker took the first workflow tasks")
	}
	for _, id := range ids {
		d, err := c.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			t.Fatal(err)
		}
		if d.GetPendingWorkflowTask() != nil || d.GetWorkflowExecutionInfo().GetHistoryLength() < 4 {
			t.Errorf("%s: settle returned before its first workflow task completed: %v", id, d)
		}
	}
	err := settle(ctx, c, []string{"settle/none"})
	if err == nil || !strings.Contains(err.Error(), "settle/none") {
		t.Errorf("settle on a workflow that does not exist: %v, want an error naming it", err)
	}
}
