package cycles

import (
	"context"
	"fmt"
	"strings"
	"time"

	"lianxi/domain"
	"lianxi/ledger"
)

// Owed is a progress report a ministry owes in a round still open: what
// its inbox lists as 本期待报送, with the deadline.
type Owed struct {
	PlanID   string    `json:"plan_id"`
	RoundKey string    `json:"round_key"`
	TaskNo   string    `json:"task_no"`
	Closes   time.Time `json:"closes"`
}

// Reader reads what OwedBy needs; *ledger.SQLStore is one.
type Reader interface {
	KindScanner
	ScanWorkflow(ctx context.Context, workflowID string, fn func(ledger.Record) error) error
}

// OwedBy lists the reports ministry still owes in the open rounds of every
// plan, read from the rounds' opening records: a round is open until its
// closing record, and a report is owed until the ministry's progress record
// on the task inside the window.
func OwedBy(ctx context.Context, l Reader, ministry string) ([]Owed, error) {
	closed := map[string]bool{}
	if err := l.ScanKind(ctx, "", KindRoundClosed, func(r ledger.Record) error {
		closed[r.WorkflowID] = true
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read closed rounds: %w", err)
	}
	var open []ledger.Record
	if err := l.ScanKind(ctx, "", KindRoundOpened, func(r ledger.Record) error {
		if !closed[r.WorkflowID] {
			open = append(open, r)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read open rounds: %w", err)
	}
	out := []Owed{}
	for _, r := range open {
		// The window opens at the opening record's time: the payload's
		// times are to the second, and a report filed earlier in that
		// second is from before the round.
		from := r.At
		to, _ := time.Parse(time.RFC3339, r.Payload["to"])
		for _, pair := range strings.Split(r.Payload["owed"], ",") {
			no, m, ok := strings.Cut(pair, ":")
			if !ok || m != ministry {
				continue
			}
			done, err := reported(ctx, l, domain.WorkflowID(r.PlanID, no), ministry, from, to)
			if err != nil {
				return nil, err
			}
			if !done {
				out = append(out, Owed{PlanID: r.PlanID, RoundKey: r.Payload["round"], TaskNo: no, Closes: to})
			}
		}
	}
	return out, nil
}

// reported says whether ministry has a progress record on the task inside
// [from, to].
func reported(ctx context.Context, l Reader, taskID, ministry string, from, to time.Time) (bool, error) {
	found := false
	err := l.ScanWorkflow(ctx, taskID, func(r ledger.Record) error {
		if r.Kind == domain.KindProgress && r.Ministry == ministry && inWindow(r.At, from, to) {
			found = true
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("read records of %s: %w", taskID, err)
	}
	return found, nil
}
