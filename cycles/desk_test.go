package cycles

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lianxi/activities"
	"lianxi/board"
	"lianxi/domain"
	"lianxi/ledger"
)

// outbox keeps the notifications a record stages, once it commits.
type outbox struct {
	mu   sync.Mutex
	sent []domain.Notification
}

func (o *outbox) Stage(ns []activities.Notification) ledger.Also {
	return func(context.Context, func(string, ...any) error) error {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.sent = append(o.sent, ns...)
		return nil
	}
}

func (o *outbox) Notify(context.Context, activities.Notification) error { return nil }

// count returns how many notifications of kind went out.
func (o *outbox) count(kind string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, m := range o.sent {
		if m.Kind == kind {
			n++
		}
	}
	return n
}

// desk writes task records on a real SQLite ledger as the task lifecycle
// would: each record with the task's board row after it, in one
// transaction. It stands in for the lifecycle workflows, which the round
// never talks to.
type desk struct {
	t      *testing.T
	ledger *ledger.SQLStore
	board  *board.Store
	mu     sync.Mutex
	rows   map[string]domain.BoardRow
	seq    int
}

func newDesk(t *testing.T) *desk {
	t.Helper()
	store, err := ledger.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	b, err := board.Open(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	return &desk{t: t, ledger: store, board: b, rows: map[string]domain.BoardRow{}}
}

// assign puts a task on the board with its assignment record.
func (d *desk) assign(plan, no, lead string, parts []string, status string, due, at time.Time) {
	d.t.Helper()
	row := domain.BoardRow{WorkflowID: domain.WorkflowID(plan, no), PlanID: plan, TaskNo: no, Title: "任务" + no,
		Status: status, Round: 1, Lead: lead, Participants: parts, Due: due}
	d.write(row, domain.KindAssigned, domain.ActorSystem, nil, at)
}

// report files a progress report.
func (d *desk) report(plan, no, ministry, text string, at time.Time) {
	d.t.Helper()
	d.write(d.row(plan, no), domain.KindProgress, ministry, domain.Fields("text", text), at)
}

// extend files an extension request.
func (d *desk) extend(plan, no, ministry string, until, at time.Time) {
	d.t.Helper()
	d.write(d.row(plan, no), domain.KindExtensionRequest, ministry,
		domain.Fields("until", until.Format(time.RFC3339), "reason", "需要协调"), at)
}

// end closes (or cancels) a task.
func (d *desk) end(plan, no, kind, status string, at time.Time) {
	d.t.Helper()
	row := d.row(plan, no)
	row.Status = status
	d.write(row, kind, domain.Office, nil, at)
}

func (d *desk) row(plan, no string) domain.BoardRow {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rows[domain.WorkflowID(plan, no)]
}

func (d *desk) write(row domain.BoardRow, kind, ministry string, payload map[string]string, at time.Time) {
	d.t.Helper()
	d.mu.Lock()
	d.seq++
	row.Decisions++
	row.UpdatedAt = at
	d.rows[row.WorkflowID] = row
	id := fmt.Sprintf("desk-%d", d.seq)
	d.mu.Unlock()
	e := domain.Entry{DecisionID: id, WorkflowID: row.WorkflowID, PlanID: row.PlanID, TaskNo: row.TaskNo, Round: row.Round,
		Kind: kind, Ministry: ministry, Payload: payload, At: at}
	if _, err := d.ledger.Append(context.Background(), e, d.board.Put(row)); err != nil {
		d.t.Fatalf("append %s on %s: %v", kind, row.TaskNo, err)
	}
}

// records returns the ledger's records of kind, in order.
func (d *desk) records(kind string) []ledger.Record {
	d.t.Helper()
	var out []ledger.Record
	if err := d.ledger.Scan(context.Background(), func(r ledger.Record) error {
		if r.Kind == kind {
			out = append(out, r)
		}
		return nil
	}); err != nil {
		d.t.Fatal(err)
	}
	return out
}
