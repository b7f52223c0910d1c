package cycles

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"lianxi/domain"
	"lianxi/ledger"
)

// States of a reporter in a round, as a task's timeline shows them.
const (
	// StateReported: a progress report of the reporter's on the task lies
	// inside the round's window (Seq is the first such record).
	StateReported = "reported"
	// StateMissing: the round closed without one.
	StateMissing = "missing"
	// StateOwed: the round is still open and none is filed yet.
	StateOwed = "owed"
	// StateDropped: the task closed or was cancelled during the round, so
	// nobody owed a report on it.
	StateDropped = "dropped"
)

// TaskReport is one reporter's standing on one task in one reporting
// round: which round (its cycle, key and window) and whether the reporter
// reported, read from the ledger alone.
type TaskReport struct {
	RoundID  string    `json:"round_id"`
	CycleID  string    `json:"cycle_id,omitempty"`
	RoundKey string    `json:"round_key"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Ministry string    `json:"ministry"`
	State    string    `json:"state"`
	// Seq is the ledger record of the report, when there is one.
	Seq int64 `json:"seq,omitempty"`
	// OpenedSeq and ClosedSeq are the round's own records (ClosedSeq 0
	// while it is open).
	OpenedSeq int64 `json:"opened_seq"`
	ClosedSeq int64 `json:"closed_seq,omitempty"`
}

// TaskReports lists, oldest round first, every reporting round the task
// (workflow ID "<plan>/<task no>") was asked about and each of its
// reporters' standing. The round's own records say whom it asked and, once
// closed, who was missing and which tasks dropped out; the task's progress
// records say which report counted.
func TaskReports(ctx context.Context, l Reader, workflowID string) ([]TaskReport, error) {
	cut := strings.LastIndex(workflowID, "/")
	if cut <= 0 {
		return nil, fmt.Errorf("task reports: %q is not a task ID (plan/task number)", workflowID)
	}
	planID, taskNo := workflowID[:cut], workflowID[cut+1:]
	closed := map[string]ledger.Record{}
	if err := l.ScanKind(ctx, planID, KindRoundClosed, func(r ledger.Record) error {
		closed[r.WorkflowID] = r
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read the closed rounds of %s: %w", planID, err)
	}
	var progress []ledger.Record
	if err := l.ScanWorkflow(ctx, workflowID, func(r ledger.Record) error {
		if r.Kind == domain.KindProgress {
			progress = append(progress, r)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read the reports on %s: %w", workflowID, err)
	}
	out := []TaskReport{}
	err := l.ScanKind(ctx, planID, KindRoundOpened, func(r ledger.Record) error {
		// The window as the round used it: from its opening record's time
		// to its closing record's (the payload's times are to the second).
		from := r.At
		to, _ := time.Parse(time.RFC3339, r.Payload["to"])
		end, isClosed := closed[r.WorkflowID]
		if isClosed {
			to = end.At
		}
		for _, pair := range strings.Split(r.Payload["owed"], ",") {
			no, m, ok := strings.Cut(pair, ":")
			if !ok || no != taskNo {
				continue
			}
			tr := TaskReport{RoundID: r.WorkflowID, CycleID: r.Payload["cycle"], RoundKey: r.Payload["round"], From: from, To: to,
				Ministry: m, OpenedSeq: r.Seq, State: StateOwed}
			if i := slices.IndexFunc(progress, func(p ledger.Record) bool { return p.Ministry == m && inWindow(p.At, from, to) }); i >= 0 {
				tr.State, tr.Seq = StateReported, progress[i].Seq
			}
			// A closed round's own record says who reported: the standing
			// as the bulletin issued it.
			if isClosed {
				tr.ClosedSeq = end.Seq
				switch {
				case slices.Contains(strings.Split(end.Payload["dropped"], ","), taskNo):
					tr.State = StateDropped
				case slices.Contains(strings.Split(end.Payload["reported"], ","), pair):
					tr.State = StateReported
				default:
					tr.State = StateMissing
				}
			}
			out = append(out, tr)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the rounds of %s: %w", planID, err)
	}
	return out, nil
}
