package audit

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"lianxi/actions"
	"lianxi/cycles"
	"lianxi/domain"
	"lianxi/ledger"
)

// Entry is one decision on a task's timeline.
type Entry struct {
	At         time.Time         `json:"at"`
	RunID      string            `json:"run_id,omitempty"`
	Action     string            `json:"action"`
	RequestID  string            `json:"request_id,omitempty"`
	DecisionID string            `json:"decision_id"`
	Actor      string            `json:"actor,omitempty"`
	Person     string            `json:"person,omitempty"`
	Round      int               `json:"round,omitempty"`
	Request    map[string]any    `json:"request,omitempty"`
	Failed     string            `json:"failed,omitempty"`
	LedgerSeq  int64             `json:"ledger_seq,omitempty"`
	Payload    map[string]string `json:"payload,omitempty"`
	// Problem flags a decision found in only one of history and ledger.
	Problem string `json:"problem,omitempty"`
	// RetryOf is the decision an accepted update was answered with when it
	// repeated that decision under a new request ID (nothing new recorded).
	RetryOf string `json:"retry_of,omitempty"`
	// AdoptedBy is the caught-up record of a decision on the ledger that
	// its workflow took over from the ledger (its own workflow task never
	// completed, or a reset undid it), so no update of it is in history.
	AdoptedBy int64 `json:"adopted_by,omitempty"`
}

// Timeline is a task's decisions from history, cross-checked with the ledger.
type Timeline struct {
	WorkflowID string  `json:"workflow_id"`
	Entries    []Entry `json:"entries"`
	Problems   int     `json:"problems"`
	// Rounds are the task's reports per reporting round (AddRounds).
	Rounds []cycles.TaskReport `json:"rounds,omitempty"`
}

// WorkflowScanner reads one workflow's ledger records.
type WorkflowScanner interface {
	ScanWorkflow(ctx context.Context, workflowID string, fn func(ledger.Record) error) error
}

// BuildTimeline reads the accepted updates of every run's history and
// matches each with its ledger record by decision ID ("<workflow>/<request>").
func BuildTimeline(ctx context.Context, workflowID string, runs map[string]*historypb.History, l WorkflowScanner) (*Timeline, error) {
	tl := &Timeline{WorkflowID: workflowID, Entries: []Entry{}}
	byDecision := map[string]int{}
	dc := converter.GetDefaultDataConverter()
	for runID, h := range runs {
		pending := map[string]int{}
		for _, ev := range h.GetEvents() {
			switch ev.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
				a := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes()
				req := a.GetAcceptedRequest()
				id := req.GetMeta().GetUpdateId()
				e := Entry{At: ev.GetEventTime().AsTime(), RunID: runID, Action: req.GetInput().GetName(), RequestID: id, DecisionID: workflowID + "/" + id}
				if args := req.GetInput().GetArgs().GetPayloads(); len(args) > 0 {
					_ = dc.FromPayload(args[0], &e.Request)
				}
				if m, ok := e.Request["ministry"].(string); ok {
					e.Actor = m
				} else {
					e.Actor = "office"
				}
				if a, ok := actions.ByName(e.Action); ok && a.Person != "" {
					e.Person, _ = e.Request[a.Person].(string)
				}
				pending[id] = len(tl.Entries)
				tl.Entries = append(tl.Entries, e)
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
				a := ev.GetWorkflowExecutionUpdateCompletedEventAttributes()
				i, ok := pending[a.GetMeta().GetUpdateId()]
				if !ok {
					continue
				}
				if f := a.GetOutcome().GetFailure(); f != nil {
					tl.Entries[i].Failed = f.GetMessage()
					continue
				}
				var receipt struct {
					Round      int    `json:"round"`
					DecisionID string `json:"decision_id"`
				}
				if p := a.GetOutcome().GetSuccess().GetPayloads(); len(p) > 0 {
					_ = dc.FromPayload(p[0], &receipt)
				}
				tl.Entries[i].Round = receipt.Round
				if receipt.DecisionID != "" && receipt.DecisionID != tl.Entries[i].DecisionID {
					tl.Entries[i].RetryOf = receipt.DecisionID
				}
			}
		}
	}
	for i, e := range tl.Entries {
		if e.Failed == "" && e.RetryOf == "" {
			byDecision[e.DecisionID] = i
		}
	}
	seen := map[string]bool{}
	adopted := map[string]int64{}
	if err := l.ScanWorkflow(ctx, workflowID, func(r ledger.Record) error {
		seen[r.DecisionID] = true
		if r.Kind == domain.KindCaughtUp {
			for _, id := range strings.Split(r.Payload["adopted"], ",") {
				if id != "" {
					adopted[id] = r.Seq
				}
			}
		}
		if i, ok := byDecision[r.DecisionID]; ok {
			// The ledger knows the round the decision was taken in; a receipt
			// reports the round after it (a return opens the next one).
			tl.Entries[i].LedgerSeq, tl.Entries[i].Payload, tl.Entries[i].Round = r.Seq, r.Payload, r.Round
			tl.Entries[i].Problem = contentMismatch(tl.Entries[i], r)
			return nil
		}
		e := Entry{At: r.At, RunID: r.RunID, Action: r.Kind, DecisionID: r.DecisionID, Actor: r.Ministry, Person: r.Person,
			Round: r.Round, LedgerSeq: r.Seq, Payload: r.Payload}
		if !actions.IsSystemKind(r.Kind) {
			e.Problem = "on the ledger but not in the workflow history"
		}
		tl.Entries = append(tl.Entries, e)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("timeline of %s: %w", workflowID, err)
	}
	for i, e := range tl.Entries {
		if seq, ok := adopted[e.DecisionID]; ok && e.RequestID == "" {
			tl.Entries[i].AdoptedBy, tl.Entries[i].Problem = seq, ""
		}
		if e.Failed == "" && e.RequestID != "" && e.RetryOf == "" && !seen[e.DecisionID] {
			tl.Entries[i].Problem = "accepted in the workflow history but missing from the ledger"
		}
		if e.RetryOf != "" && !seen[e.RetryOf] {
			tl.Entries[i].Problem = "answered as a retry of " + e.RetryOf + ", which the ledger does not hold"
		}
	}
	sort.SliceStable(tl.Entries, func(i, j int) bool { return tl.Entries[i].At.Before(tl.Entries[j].At) })
	for _, e := range tl.Entries {
		if e.Problem != "" {
			tl.Problems++
		}
	}
	return tl, nil
}

// copiedFields are the request fields a decision's record keeps verbatim.
var copiedFields = []string{"decision", "comment", "report", "text", "reason"}

// contentMismatch compares an accepted update with its ledger record: the
// same ministry, and each text the record copies from the request the
// same. A record rewritten after the fact (its chain recomputed, say)
// differs here from what the workflow accepted.
func contentMismatch(e Entry, r ledger.Record) string {
	if e.Actor != r.Ministry {
		return fmt.Sprintf("content differs: the history's update was by %s, the ledger's record by %s", e.Actor, r.Ministry)
	}
	for _, k := range copiedFields {
		sent, _ := e.Request[k].(string)
		if sent != r.Payload[k] {
			return fmt.Sprintf("content differs: %s is %q in the history and %q on the ledger", k, cut(sent), cut(r.Payload[k]))
		}
	}
	return ""
}

// cut shortens a text for a message.
func cut(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
