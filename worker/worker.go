// Package worker runs lianxi's workflows and activities against a Temporal
// service: the embedded one under `lianxi dev` or any cluster under
// `lianxi worker`.
package worker

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/workflows"
)

// Register puts the lifecycle workflow and the activities on a registry.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	r.RegisterWorkflowWithOptions(workflows.TaskWorkflow, workflow.RegisterOptions{Name: workflows.WorkflowName})
	r.RegisterActivity(acts)
}

// New creates a worker on the lianxi task queue with everything registered.
func New(c client.Client, acts *activities.Activities, opts sdkworker.Options) sdkworker.Worker {
	w := sdkworker.New(c, workflows.TaskQueue, opts)
	Register(w, acts)
	return w
}

// Run starts a worker and stops it gracefully (finishing in-flight
// activities within the worker's stop timeout) when ctx is done.
func Run(ctx context.Context, c client.Client, acts *activities.Activities, opts sdkworker.Options) error {
	w := New(c, acts, opts)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	<-ctx.Done()
	w.Stop()
	return nil
}
