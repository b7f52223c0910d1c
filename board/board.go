// Package board is the mutable read model of tasks: one row per task, as
// the office's dashboard and the ministries' inboxes list it, fed from the
// records (each record's transaction writes its task's row) and corrected
// from Temporal's visibility for runs that end outside their lifecycle. It
// is not part of the append-only record: rows are replaced as tasks move,
// and the ledger stays what a task's history is read from.
package board

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"slices"
	"strings"
	"time"

	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/schema"
)

// Row is one task as the dashboard and inboxes list it.
type Row = domain.BoardRow

// migrations create the board, one folder per dialect.
//
//go:embed migrations
var migrations embed.FS

// Store is the board, in the ledger's database: a row is written in the
// transaction of the record that changed it.
type Store struct {
	db      *sql.DB
	rebind  func(string) string
	dialect string
}

// Open migrates the board in the ledger's database and returns it.
func Open(ctx context.Context, l *ledger.SQLStore) (*Store, error) {
	if err := schema.Migrate(ctx, l.DB(), l.Dialect(), "board", migrations); err != nil {
		return nil, fmt.Errorf("open board: %w", err)
	}
	b := &Store{db: l.DB(), rebind: l.Rebind, dialect: l.Dialect()}
	if err := b.fillPageColumns(ctx); err != nil {
		return nil, fmt.Errorf("open board: %w", err)
	}
	return b, nil
}

const boardColumns = `workflow_id, plan_id, task_no, title, status, round, lead, participants, pending, due, warning_window_s, decisions, updated_at`

func joinList(ids []string) string {
	if len(ids) == 0 {
		return ","
	}
	return "," + strings.Join(ids, ",") + ","
}

func splitList(s string) []string {
	s = strings.Trim(s, ",")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// boardWrite writes r; with replace it overwrites an older row of the same
// task, without it keeps whatever row is there.
func write(exec func(string, ...any) error, r Row, replace bool) error {
	if r.WorkflowID == "" {
		return fmt.Errorf("board row without a workflow ID")
	}
	conflict := ` ON CONFLICT (workflow_id) DO NOTHING`
	if replace {
		conflict = ` ON CONFLICT (workflow_id) DO UPDATE SET plan_id = excluded.plan_id, task_no = excluded.task_no,
			title = excluded.title, status = excluded.status, round = excluded.round, lead = excluded.lead,
			participants = excluded.participants, pending = excluded.pending, due = excluded.due,
			warning_window_s = excluded.warning_window_s, decisions = excluded.decisions, updated_at = excluded.updated_at,
			sort_key = excluded.sort_key, section = excluded.section, warn_at = excluded.warn_at
			WHERE board.decisions <= excluded.decisions`
	}
	sortKey, section, warnAt := pageColumns(r.TaskNo, r.Due, r.WarningWindow)
	return exec(`INSERT INTO board (`+boardColumns+`, `+pageColumnNames+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`+conflict,
		r.WorkflowID, r.PlanID, r.TaskNo, r.Title, r.Status, r.Round, r.Lead, joinList(r.Participants), joinList(r.Pending),
		r.Due.UTC().Format(time.RFC3339), int64(r.WarningWindow/time.Second), r.Decisions, r.UpdatedAt.UTC().Format(time.RFC3339Nano),
		sortKey, section, warnAt)
}

// Put is the Also that writes a task's row with its record. A row with
// fewer decisions than the one stored (an older one) changes nothing.
func (b *Store) Put(r Row) ledger.Also {
	return func(ctx context.Context, exec func(string, ...any) error) error {
		if err := write(exec, r, true); err != nil {
			return fmt.Errorf("board %s: %w", r.WorkflowID, err)
		}
		return nil
	}
}

// Seed adds rows for tasks the board does not list yet (tasks whose
// runs predate it, read from Temporal's visibility); it never replaces a
// row a workflow wrote. It reports how many rows it added.
func (b *Store) Seed(ctx context.Context, rows []Row) (int, error) {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("seed board: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var added int64
	exec := func(q string, args ...any) error {
		res, err := tx.ExecContext(ctx, b.rebind(q), args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		added += n
		return err
	}
	for _, r := range rows {
		if err := write(exec, r, false); err != nil {
			return 0, fmt.Errorf("seed board %s: %w", r.WorkflowID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("seed board: %w", err)
	}
	return int(added), nil
}

// Filter selects board rows; empty fields match everything.
type Filter struct {
	// WorkflowID selects one task's row.
	WorkflowID string
	Plan       string
	Status     string
	// Participant selects tasks Ministry takes part in; Pending those still
	// waiting for its answer.
	Participant string
	Pending     string
}

// List lists the rows matching f, ordered by plan and task number as stored.
func (b *Store) List(ctx context.Context, f Filter) ([]Row, error) {
	var where []string
	var args []any
	add := func(cond, v string) {
		if v != "" {
			where = append(where, cond)
			args = append(args, v)
		}
	}
	add(`workflow_id = ?`, f.WorkflowID)
	add(`plan_id = ?`, f.Plan)
	add(`status = ?`, f.Status)
	if f.Participant != "" {
		add(`participants LIKE ?`, "%,"+likeEscape(f.Participant)+",%")
	}
	if f.Pending != "" {
		add(`pending LIKE ?`, "%,"+likeEscape(f.Pending)+",%")
	}
	q := `SELECT ` + boardColumns + ` FROM board`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY plan_id, task_no`
	rows, err := b.db.QueryContext(ctx, b.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("read board: %w", err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var parts, pending, due, updated string
		var window int64
		if err := rows.Scan(&r.WorkflowID, &r.PlanID, &r.TaskNo, &r.Title, &r.Status, &r.Round, &r.Lead,
			&parts, &pending, &due, &window, &r.Decisions, &updated); err != nil {
			return nil, fmt.Errorf("read board: %w", err)
		}
		r.Participants, r.Pending = splitList(parts), splitList(pending)
		// LIKE's _ matches any character; keep exact matches only.
		if (f.Participant != "" && !slices.Contains(r.Participants, f.Participant)) || (f.Pending != "" && !slices.Contains(r.Pending, f.Pending)) {
			continue
		}
		r.WarningWindow = time.Duration(window) * time.Second
		r.Due, _ = time.Parse(time.RFC3339, due)
		r.UpdatedAt, _ = time.Parse(time.RFC3339Nano, updated)
		out = append(out, r)
	}
	return out, rows.Err()
}

// likeEscape drops what would widen a LIKE pattern beyond one list item;
// List keeps exact matches only, so a dropped character never adds a row.
func likeEscape(s string) string {
	return strings.NewReplacer("%", "", ",", "").Replace(s)
}

// Count counts the rows in a status.
func (b *Store) Count(ctx context.Context, status string) (int, error) {
	var n int
	if err := b.db.QueryRowContext(ctx, b.rebind(`SELECT COUNT(*) FROM board WHERE status = ?`), status).Scan(&n); err != nil {
		return 0, fmt.Errorf("count board: %w", err)
	}
	return n, nil
}

// End marks a task's row ended with status when it is still in one of
// the open statuses: for a run that ended outside its lifecycle (an
// operator terminated it, or it timed out), which writes no record. Its
// pending list is emptied, so no inbox lists it. It reports whether the row
// changed.
func (b *Store) End(ctx context.Context, workflowID, status string, open []string, at time.Time) (bool, error) {
	if len(open) == 0 {
		return false, fmt.Errorf("end board row %s: no open statuses given", workflowID)
	}
	args := []any{status, at.UTC().Format(time.RFC3339Nano), workflowID}
	marks := make([]string, len(open))
	for i, st := range open {
		marks[i] = "?"
		args = append(args, st)
	}
	res, err := b.db.ExecContext(ctx, b.rebind(`UPDATE board SET status = ?, pending = ',', updated_at = ?
		WHERE workflow_id = ? AND status IN (`+strings.Join(marks, ", ")+`)`), args...)
	if err != nil {
		return false, fmt.Errorf("end board row %s: %w", workflowID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("end board row %s: %w", workflowID, err)
	}
	return n > 0, nil
}
