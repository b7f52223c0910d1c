package metrics

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"lianxi/workflows"
)

// RefreshTasks updates the tasks gauge from visibility every interval
// until ctx is done: open tasks by warning colour, closed and cancelled
// ones in total.
func (m *Metrics) RefreshTasks(ctx context.Context, c client.Client, namespace string, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		m.countTasks(ctx, c, namespace)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (m *Metrics) countTasks(ctx context.Context, c client.Client, namespace string) {
	type cell struct{ status, warning string }
	var cells []cell
	for _, st := range []string{workflows.StatusSigning, workflows.StatusInReview} {
		for _, w := range []string{workflows.WarningGreen, workflows.WarningYellow, workflows.WarningRed} {
			cells = append(cells, cell{st, w})
		}
	}
	cells = append(cells, cell{workflows.StatusClosed, ""}, cell{workflows.StatusCancelled, ""})
	for _, cl := range cells {
		q := fmt.Sprintf("WorkflowType = '%s' AND %s = '%s'", workflows.WorkflowName, workflows.SearchStatus.GetName(), cl.status)
		if cl.warning != "" {
			q += fmt.Sprintf(" AND %s = '%s'", workflows.SearchWarning.GetName(), cl.warning)
		}
		resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: q})
		if err != nil {
			return
		}
		m.Tasks.WithLabelValues(cl.status, cl.warning).Set(float64(resp.GetCount()))
	}
}
