package taskclient

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"lianxi/domain"
	"lianxi/workflows"
)

// SeedBoard puts on the board the tasks visibility lists that the board
// does not hold yet: tasks whose runs started before the board and have
// made no decision since. It never replaces a row a task wrote itself.
func (c *Client) SeedBoard(ctx context.Context, b interface {
	Seed(context.Context, []domain.BoardRow) (int, error)
}) (int, error) {
	list, err := c.ListVisibility(ctx, Filter{})
	if err != nil {
		return 0, err
	}
	rows := make([]domain.BoardRow, 0, len(list))
	for _, s := range list {
		lead := ""
		if len(s.Participants) > 0 {
			lead = s.Participants[0]
		}
		rows = append(rows, domain.BoardRow{WorkflowID: s.ID, PlanID: s.Plan, TaskNo: s.No, Title: s.Title, Status: s.Status,
			Round: int(s.Round), Lead: lead, Participants: s.Participants, Pending: s.Pending, Due: s.Due,
			WarningWindow: domain.DefaultWarningWindow, UpdatedAt: time.Now()})
	}
	return b.Seed(ctx, rows)
}

// EndBoard marks ended, on the board, the tasks whose runs ended outside
// their lifecycle (terminated by an operator, timed out, failed), which
// write no record and so would stay listed as open. A task whose latest run
// is running again (an operator reset it) is left alone. It reports how
// many rows it changed.
// The board row ends on b, and l records the end.
func (c *Client) EndBoard(ctx context.Context, b boardEnder, l recorder) (int, error) {
	q := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus IN ('Terminated', 'TimedOut', 'Failed', 'Canceled')", workflows.WorkflowName)
	changed := 0
	var token []byte
	for {
		resp, err := c.C.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: c.Namespace, Query: q, NextPageToken: token, PageSize: 1000,
		})
		if err != nil {
			return changed, fmt.Errorf("list ended runs: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			id := e.GetExecution().GetWorkflowId()
			d, err := c.C.DescribeWorkflowExecution(ctx, id, "")
			if err != nil {
				return changed, fmt.Errorf("describe %s: %w", id, err)
			}
			info := d.GetWorkflowExecutionInfo()
			status, ended := EndedStatus(info.GetStatus())
			if !ended {
				continue
			}
			ok, err := endTask(ctx, b, l, id, status, info.GetCloseTime().AsTime())
			if err != nil {
				return changed, err
			}
			if ok {
				changed++
			}
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return changed, nil
		}
	}
}
