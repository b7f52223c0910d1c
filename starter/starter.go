// Package starter launches a plan: one lifecycle workflow per task, with the
// workflow ID "<plan-id>/<task-no>", so launching the same plan again starts
// nothing new.
package starter

import (
	"context"
	"errors"
	"fmt"
	"sync"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"lianxi/workflows"
)

// Report counts what a launch did.
type Report struct {
	Started        int `json:"started"`
	AlreadyRunning int `json:"already_running"`
	AlreadyClosed  int `json:"already_closed"`
	Failed         int `json:"failed"`
	// Errors holds one message per failed task.
	Errors []string `json:"errors,omitempty"`
}

// Options tune a launch.
type Options struct {
	// Concurrency bounds the starts in flight; default 8.
	Concurrency int
	// Progress, when set, is called after each task with the counts so far.
	Progress func(done, total int)
}

// Launch starts a workflow for every spec that has none yet. A task whose
// workflow is running or closed (completed, cancelled, failed) is counted,
// not restarted.
func Launch(ctx context.Context, c client.Client, specs []workflows.TaskSpec, opts Options) (Report, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	var (
		mu   sync.Mutex
		rep  Report
		done int
		wg   sync.WaitGroup
		sem  = make(chan struct{}, opts.Concurrency)
	)
	for _, spec := range specs {
		if err := ctx.Err(); err != nil {
			wg.Wait()
			return rep, fmt.Errorf("launch: %w", err)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			outcome, err := launchOne(ctx, c, spec)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				rep.Failed++
				rep.Errors = append(rep.Errors, fmt.Sprintf("task %s: %v", spec.TaskNo, err))
			case outcome == started:
				rep.Started++
			case outcome == running:
				rep.AlreadyRunning++
			default:
				rep.AlreadyClosed++
			}
			done++
			if opts.Progress != nil {
				opts.Progress(done, len(specs))
			}
		}()
	}
	wg.Wait()
	if rep.Failed > 0 {
		return rep, fmt.Errorf("launch: %d of %d tasks failed to start: %s", rep.Failed, len(specs), rep.Errors[0])
	}
	return rep, nil
}

type launchOutcome int

const (
	started launchOutcome = iota
	running
	closed
)

// StartOptions are the options a task's workflow is started with.
func StartOptions(spec workflows.TaskSpec) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:        workflows.WorkflowID(spec.PlanID, spec.TaskNo),
		TaskQueue: workflows.TaskQueue,
		// A closed task is never started again under the same ID.
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		// Report an existing task instead of silently returning its handle.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		Memo:                                     map[string]any{"title": spec.Title},
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.SearchPlan.ValueSet(spec.PlanID),
			workflows.SearchTaskNo.ValueSet(spec.TaskNo),
			workflows.SearchStatus.ValueSet(workflows.StatusSigning),
			workflows.SearchParticipants.ValueSet(spec.Participants),
		),
	}
}

func launchOne(ctx context.Context, c client.Client, spec workflows.TaskSpec) (launchOutcome, error) {
	opts := StartOptions(spec)
	_, err := c.ExecuteWorkflow(ctx, opts, workflows.WorkflowName, workflows.TaskInput{Spec: spec})
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if err == nil {
		return started, nil
	}
	if !errors.As(err, &already) {
		return 0, err
	}
	desc, err := c.DescribeWorkflowExecution(ctx, opts.ID, "")
	if err != nil {
		return 0, fmt.Errorf("describe %s: %w", opts.ID, err)
	}
	if desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return running, nil
	}
	return closed, nil
}
