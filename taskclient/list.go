package taskclient

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"lianxi/board"
	"lianxi/domain"
	"lianxi/workflows"
)

// Filter selects tasks from visibility. Empty fields match everything.
type Filter struct {
	Plan     string
	Status   string
	Ministry string
	// Pending selects tasks still waiting for Ministry's answer.
	Pending bool
}

// Query renders the filter as a visibility query.
func (f Filter) Query() string {
	parts := []string{fmt.Sprintf("WorkflowType = '%s'", workflows.WorkflowName)}
	add := func(key, val string) {
		if val != "" {
			parts = append(parts, fmt.Sprintf("%s = '%s'", key, strings.ReplaceAll(val, "'", "")))
		}
	}
	add(workflows.SearchPlan.GetName(), f.Plan)
	add(workflows.SearchStatus.GetName(), f.Status)
	// Visibility knows who is on a task, not who is pending: the board
	// does (Filter.Pending is applied there).
	add(workflows.SearchParticipants.GetName(), f.Ministry)
	return strings.Join(parts, " AND ")
}

// Summary is one task as visibility sees it.
type Summary struct {
	ID      string    `json:"id"`
	Plan    string    `json:"plan"`
	No      string    `json:"no"`
	Title   string    `json:"title"`
	Status  string    `json:"status"`
	Round   int64     `json:"round"`
	Pending []string  `json:"pending"`
	Due     time.Time `json:"due"`
	Warning string    `json:"warning"`
	// Participants lists every ministry of the task, the lead first.
	Participants []string `json:"participants,omitempty"`
}

// List returns the tasks matching f: from the board when the client has
// one, else from visibility. No workflow is queried either way.
func (c *Client) List(ctx context.Context, f Filter) ([]Summary, error) {
	if c.Board == nil {
		return c.ListVisibility(ctx, f)
	}
	bf := board.Filter{Plan: f.Plan, Status: f.Status}
	if f.Pending {
		bf.Pending = f.Ministry
	} else {
		bf.Participant = f.Ministry
	}
	rows, err := c.Board.List(ctx, bf)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	out := make([]Summary, 0, len(rows))
	for _, r := range rows {
		out = append(out, FromBoard(r, now))
	}
	return out, nil
}

// FromBoard is a board row as a Summary, its light read at now.
func FromBoard(r domain.BoardRow, now time.Time) Summary {
	s := Summary{ID: r.WorkflowID, Plan: r.PlanID, No: r.TaskNo, Title: r.Title, Status: r.Status,
		Round: int64(r.Round), Pending: r.Pending, Participants: r.Participants, Due: r.Due}
	s.Warning = domain.Light(s.Status, r.Due, r.WarningWindow, now)
	return s
}

// ListVisibility returns the tasks matching f from Temporal's visibility:
// what auditors read, since it does not depend on the ledger.
func (c *Client) ListVisibility(ctx context.Context, f Filter) ([]Summary, error) {
	var out []Summary
	var token []byte
	for {
		resp, err := c.C.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: c.Namespace, Query: f.Query(), NextPageToken: token, PageSize: 1000,
		})
		if err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			out = append(out, summarize(e.GetExecution().GetWorkflowId(), e.GetStatus(), e.GetSearchAttributes().GetIndexedFields(), e.GetMemo().GetFields()))
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return out, nil
		}
	}
}

func summarize(id string, st enumspb.WorkflowExecutionStatus, sa, memo map[string]*commonpb.Payload) Summary {
	dc := converter.GetDefaultDataConverter()
	s := Summary{ID: id, Pending: []string{}}
	get := func(m map[string]*commonpb.Payload, key string, v any) {
		if p, ok := m[key]; ok {
			_ = dc.FromPayload(p, v)
		}
	}
	get(sa, workflows.SearchPlan.GetName(), &s.Plan)
	get(sa, workflows.SearchTaskNo.GetName(), &s.No)
	get(sa, workflows.SearchStatus.GetName(), &s.Status)
	get(sa, workflows.SearchRound.GetName(), &s.Round)
	get(sa, workflows.SearchParticipants.GetName(), &s.Participants)
	get(sa, workflows.SearchDue.GetName(), &s.Due)
	get(memo, "title", &s.Title)
	ended := domain.IsFinished(s.Status)
	if s.Status == "" || (st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING && !ended) {
		// Terminated or timed-out runs never wrote a final status.
		s.Status = strings.ToLower(strings.TrimPrefix(st.String(), "WORKFLOW_EXECUTION_STATUS_"))
	}
	// Visibility keeps no light; it is derived from the due date (the
	// window is not in visibility).
	s.Warning = domain.Light(s.Status, s.Due, 0, time.Now())
	return s
}

// SortForDashboard orders tasks as the office reads them: overdue first,
// then yellow, then by due date, then by ID.
func SortForDashboard(list []Summary) {
	rank := map[string]int{domain.WarningRed: 0, domain.WarningYellow: 1}
	key := func(s Summary) int {
		if r, ok := rank[s.Warning]; ok && domain.IsOpen(s.Status) {
			return r
		}
		if domain.IsFinished(s.Status) {
			return 3
		}
		return 2
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if key(a) != key(b) {
			return key(a) < key(b)
		}
		if !a.Due.Equal(b.Due) {
			return a.Due.Before(b.Due)
		}
		return a.ID < b.ID
	})
}
