package starter

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"lianxi/workflows"
)

// DefaultReadyWait is how long a launch waits, by default, for a server
// that is still starting: its frontend answers before every service has
// loaded the namespace and its search attributes.
const DefaultReadyWait = 60 * time.Second

// NotReady reports whether err is what a server that is still starting
// answers: the namespace or a search attribute not known yet, or the
// service unavailable. Such an error is worth sending again; others are not.
func NotReady(err error) bool {
	var (
		nsNotFound  *serviceerror.NamespaceNotFound
		unavailable *serviceerror.Unavailable
		invalid     *serviceerror.InvalidArgument
	)
	switch {
	case errors.As(err, &nsNotFound), errors.As(err, &unavailable):
		return true
	case errors.As(err, &invalid):
		msg := invalid.Error()
		return strings.Contains(msg, "search attribute") &&
			(strings.Contains(msg, "not defined") || strings.Contains(msg, "invalid search attribute") || strings.Contains(msg, "not found"))
	}
	return false
}

// WaitReady returns once the namespace answers a count of its workflows by
// every search attribute the task workflow uses, retrying what NotReady
// accepts for up to bound (DefaultReadyWait when zero). Giving up, it says
// what the server last answered.
func WaitReady(ctx context.Context, c client.Client, namespace string, bound time.Duration) error {
	if bound <= 0 {
		bound = DefaultReadyWait
	}
	names := make([]string, 0, len(workflows.SearchAttributes()))
	for name := range workflows.SearchAttributes() {
		names = append(names, name+" IS NULL")
	}
	sort.Strings(names)
	query := strings.Join(names, " OR ")
	deadline := time.Now().Add(bound)
	for attempt := 1; ; attempt++ {
		_, err := c.WorkflowService().CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: query})
		if err == nil {
			return nil
		}
		if !NotReady(err) {
			return fmt.Errorf("namespace %s: count its tasks by search attribute: %w", namespace, err)
		}
		wait := min(time.Duration(attempt)*100*time.Millisecond, time.Second)
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("namespace %s is not usable after waiting %s (%w): is the Temporal server still starting, or is the namespace missing "+
				"or without lianxi's search attributes? `lianxi server` and `lianxi dev` register both; on another cluster an operator must", namespace, bound, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace %s: %w", namespace, errors.Join(err, ctx.Err()))
		case <-time.After(wait):
		}
	}
}
