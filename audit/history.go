// Package audit gives auditors the history of every task: export in the
// Temporal CLI's JSON format, replay against the current workflow code, and
// a timeline of decisions cross-checked with the ledger.
package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"lianxi/workflows"
)

// Run identifies one workflow run.
type Run struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
}

// Runs lists every run of the lifecycle workflow matching query (a
// visibility query; empty means all), continued-as-new runs included.
func Runs(ctx context.Context, c client.Client, namespace, query string) ([]Run, error) {
	q := fmt.Sprintf("WorkflowType = '%s'", workflows.WorkflowName)
	if query != "" {
		q += " AND " + query
	}
	var out []Run
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace, Query: q, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			out = append(out, Run{WorkflowID: e.GetExecution().GetWorkflowId(), RunID: e.GetExecution().GetRunId()})
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].WorkflowID != out[j].WorkflowID {
			return out[i].WorkflowID < out[j].WorkflowID
		}
		return out[i].RunID < out[j].RunID
	})
	return out, nil
}

// PlanQuery selects a plan's runs.
func PlanQuery(plan string) string {
	return fmt.Sprintf("%s = '%s'", workflows.SearchPlan.GetName(), strings.ReplaceAll(plan, "'", ""))
}

// TaskQuery selects one task's runs.
func TaskQuery(id string) string {
	return fmt.Sprintf("WorkflowId = '%s'", strings.ReplaceAll(id, "'", ""))
}

// Fetch reads a run's whole history.
func Fetch(ctx context.Context, c client.Client, r Run) (*historypb.History, error) {
	h := &historypb.History{}
	it := c.GetWorkflowHistory(ctx, r.WorkflowID, r.RunID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("history of %s/%s: %w", r.WorkflowID, r.RunID, err)
		}
		h.Events = append(h.Events, ev)
	}
	return h, nil
}

// Marshal encodes a history as `temporal workflow show --output json` does.
func Marshal(h *historypb.History) ([]byte, error) {
	return temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(h)
}

// FileName is the export file of a run: "<plan>_<task>_<run>.json".
func FileName(r Run) string {
	return strings.NewReplacer("/", "_", "\\", "_", ":", "_").Replace(r.WorkflowID) + "_" + r.RunID + ".json"
}

// Export writes one JSON history file per run into dir.
func Export(ctx context.Context, c client.Client, runs []Run, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	var files []string
	for _, r := range runs {
		h, err := Fetch(ctx, c, r)
		if err != nil {
			return files, err
		}
		b, err := Marshal(h)
		if err != nil {
			return files, fmt.Errorf("export %s: %w", r.WorkflowID, err)
		}
		path := filepath.Join(dir, FileName(r))
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			return files, fmt.Errorf("export: %w", err)
		}
		files = append(files, path)
	}
	return files, nil
}

// Load reads an exported history file.
func Load(path string) (*historypb.History, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// Replayer replays histories against the workflow code registered on it.
type Replayer struct {
	r      sdkworker.WorkflowReplayer
	logger sdklog.Logger
}

// NewReplayer replays against the current lifecycle workflow. Tests pass
// other registrations to prove the guard catches changed code.
func NewReplayer(logger sdklog.Logger, register ...func(sdkworker.WorkflowReplayer)) *Replayer {
	r := sdkworker.NewWorkflowReplayer()
	if len(register) == 0 {
		r.RegisterWorkflowWithOptions(workflows.TaskWorkflow, workflow.RegisterOptions{Name: workflows.WorkflowName})
	}
	for _, f := range register {
		f(r)
	}
	return &Replayer{r: r, logger: logger}
}

// Replay runs one history through the workflow code; an error names the
// first event that does not match.
func (r *Replayer) Replay(h *historypb.History) error {
	return r.r.ReplayWorkflowHistory(r.logger, h)
}
