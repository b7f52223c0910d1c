package audit

import (
	"context"
	"errors"
	"sort"

	"go.temporal.io/api/serviceerror"

	"lianxi/ledger"
)

// RecordScanner reads the ledger's records (ledger.SQLStore does).
type RecordScanner interface {
	Scan(ctx context.Context, fn func(ledger.Record) error) error
}

// LedgerRuns lists the runs the ledger's records name for one task
// (workflowID) or, when workflowID is empty, for a plan. Temporal forgets a
// run's visibility record with its history after retention, but the
// history itself stays in the archive, and the ledger still names the run
// every record came from: with both, audit export and replay still reach
// the history.
func LedgerRuns(ctx context.Context, l RecordScanner, plan, workflowID string) ([]Run, error) {
	seen := map[Run]bool{}
	err := l.Scan(ctx, func(r ledger.Record) error {
		if r.RunID == "" || (workflowID != "" && r.WorkflowID != workflowID) || (workflowID == "" && r.PlanID != plan) {
			return nil
		}
		seen[Run{WorkflowID: r.WorkflowID, RunID: r.RunID}] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Run, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sortRuns(out)
	return out, nil
}

// Merge is the runs of both lists, once each, in order.
func Merge(a, b []Run) []Run {
	seen := map[Run]bool{}
	var out []Run
	for _, list := range [][]Run{a, b} {
		for _, r := range list {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	sortRuns(out)
	return out
}

func sortRuns(out []Run) {
	sort.Slice(out, func(i, j int) bool {
		if out[i].WorkflowID != out[j].WorkflowID {
			return out[i].WorkflowID < out[j].WorkflowID
		}
		return out[i].RunID < out[j].RunID
	})
}

// Gone reports an error of a run Temporal holds neither in its store nor in
// its archive.
func Gone(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
