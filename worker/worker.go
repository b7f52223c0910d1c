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
	"lianxi/cycles"
	"lianxi/door"
	"lianxi/plan"
	"lianxi/workflows"
)

// Register puts the lifecycle workflow, the reporting round and the
// activities on a registry. The workflow's validators consult the bundled
// registry of bodies. The round reads the board and the records of the
// ledger the activities write to; activities without both run no rounds.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	lc := workflows.Lifecycle{Body: usableBody}
	r.RegisterWorkflowWithOptions(lc.Run, workflow.RegisterOptions{Name: workflows.WorkflowName})
	r.RegisterActivity(acts)
	l, ok := acts.Ledger.(cycles.Ledger)
	b, hasBoard := acts.Board.(cycles.Board)
	if ok && hasBoard {
		cycles.RegisterOn(r, l, b)
	}
}

// usableBody says whether a ministry may be given a task: it is in the
// bundled registry of bodies and not abolished (else it has no token to
// answer with, and its successor is named).
func usableBody(id string) error {
	reg, err := plan.DefaultRegistry()
	if err != nil {
		return fmt.Errorf("registry of bodies: %w", err)
	}
	m, ok := reg.ByID(id)
	switch {
	case !ok:
		return fmt.Errorf("ministry %q is not in the registry of bodies; check the ID (e.g. ndrc, miit)", id)
	case m.Until != 0 && m.Successor != "":
		return fmt.Errorf("ministry %s (%s) was abolished in %d; its duties passed to %s", id, m.Short, m.Until, m.Successor)
	case m.Until != 0:
		return fmt.Errorf("ministry %s (%s) was abolished in %d", id, m.Short, m.Until)
	}
	return nil
}

// New creates a worker on the lianxi task queue with everything registered.
// key is the door key shared with the API: the worker refuses every human
// action whose signed principal it cannot verify with it.
func New(c client.Client, acts *activities.Activities, key door.Key, opts sdkworker.Options) (sdkworker.Worker, error) {
	if len(key) != door.KeySize {
		return nil, fmt.Errorf("worker: the door key is missing or malformed")
	}
	opts.Interceptors = append(opts.Interceptors, door.WorkerInterceptor(key))
	w := sdkworker.New(c, workflows.TaskQueue, opts)
	Register(w, acts)
	return w, nil
}

// Fatal makes a worker's fatal error (its namespace deleted, its
// credentials refused, ...) arrive on the returned channel, beside
// whatever OnFatalError opts already had. The SDK stops such a worker on
// its own; the process must hear of it, not keep serving with no worker.
func Fatal(opts *sdkworker.Options) <-chan error {
	fatal := make(chan error, 1)
	prev := opts.OnFatalError
	opts.OnFatalError = func(err error) {
		if prev != nil {
			prev(err)
		}
		select {
		case fatal <- err:
		default:
		}
	}
	return fatal
}

// Run starts a worker and stops it gracefully (finishing in-flight
// activities within the worker's stop timeout) when ctx is done. A fatal
// error of the worker ends Run with that error.
func Run(ctx context.Context, c client.Client, acts *activities.Activities, key door.Key, opts sdkworker.Options) error {
	fatal := Fatal(&opts)
	w, err := New(c, acts, key, opts)
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	select {
	case <-ctx.Done():
		w.Stop()
		return nil
	case err := <-fatal:
		w.Stop()
		return fmt.Errorf("the worker stopped on a fatal error: %w", err)
	}
}
