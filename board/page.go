package board

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"lianxi/domain"
	"lianxi/schema"
)

// pageColumnNames are the columns a row gets for reading it a page at a
// time (migration 00002): written with the row, never read back into it.
const pageColumnNames = `sort_key, section, warn_at`

// keyWidth is how many digits a numeric part of a task number is padded to
// in its sort key.
const keyWidth = 10

// SortKey is a task number as a string that sorts bytewise the way people
// read task numbers: part by part, numeric parts by value, so "2.9" comes
// before "2.10" and "2" before "2.1". Parts that are not all digits keep
// their text.
func SortKey(no string) string {
	parts := strings.Split(no, ".")
	for i, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			continue
		}
		if p = strings.TrimLeft(p, "0"); len(p) <= keyWidth {
			parts[i] = strings.Repeat("0", keyWidth-len(p)) + p
		}
	}
	return strings.Join(parts, ".")
}

// pageColumns derives a row's page columns from its task number and due
// date. warn_at uses the due date and window as the board keeps them (in
// whole seconds), so the order read at a moment matches the light the
// row's Summary shows at it.
func pageColumns(no string, due time.Time, window time.Duration) (sortKey, section, warnAt string) {
	section, _, _ = strings.Cut(no, ".")
	window = time.Duration(int64(window/time.Second)) * time.Second
	if window <= 0 {
		window = domain.DefaultWarningWindow
	}
	due = due.UTC().Truncate(time.Second)
	return SortKey(no), section, due.Add(-window).Format(time.RFC3339)
}

// fillPageColumns fills the page columns of rows written before they
// existed (warn_at is never empty once written); a row rewritten meanwhile
// keeps what its writer set.
func (b *Store) fillPageColumns(ctx context.Context) error {
	rows, err := b.db.QueryContext(ctx, `SELECT workflow_id, task_no, due, warning_window_s FROM board WHERE warn_at = ''`)
	if err != nil {
		return fmt.Errorf("fill page columns: %w", err)
	}
	type fill struct{ id, key, section, warnAt string }
	var fills []fill
	for rows.Next() {
		var id, no, due string
		var window int64
		if err := rows.Scan(&id, &no, &due, &window); err != nil {
			rows.Close()
			return fmt.Errorf("fill page columns: %w", err)
		}
		d, _ := time.Parse(time.RFC3339, due)
		f := fill{id: id}
		f.key, f.section, f.warnAt = pageColumns(no, d, time.Duration(window)*time.Second)
		fills = append(fills, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(fills) == 0 {
		return err
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("fill page columns: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, f := range fills {
		if _, err := tx.ExecContext(ctx, b.rebind(`UPDATE board SET sort_key = ?, section = ?, warn_at = ? WHERE workflow_id = ? AND warn_at = ''`),
			f.key, f.section, f.warnAt, f.id); err != nil {
			return fmt.Errorf("fill page columns of %s: %w", f.id, err)
		}
	}
	return tx.Commit()
}

// Query selects one page of board rows; empty fields match everything.
type Query struct {
	Plan string
	// Section is a task number's part before its first dot.
	Section string
	Status  string
	// Participant selects the tasks a ministry takes part in; Pending those
	// still waiting for its answer.
	Participant string
	Pending     string
	// Text finds tasks whose title contains it or whose number starts
	// with it.
	Text string
	// Urgent orders rows as an inbox reads them, by their light at Now
	// (red, yellow, green, then finished tasks), then due date, then
	// workflow ID; otherwise rows come by plan, then task number.
	Urgent bool
	Now    time.Time
	// Offset rows are skipped and at most Limit returned; a Limit of 0
	// only counts.
	Offset, Limit int
}

// Page is one page of rows and how many rows the query matches in all.
type Page struct {
	Rows  []Row
	Total int
}

// Page reads one page of the rows q matches, and counts them all.
func (b *Store) Page(ctx context.Context, q Query) (Page, error) {
	where, args := b.where(q)
	var p Page
	if err := b.db.QueryRowContext(ctx, b.rebind(`SELECT COUNT(*) FROM board`+where), args...).Scan(&p.Total); err != nil {
		return p, fmt.Errorf("count board page: %w", err)
	}
	if q.Limit <= 0 || q.Offset >= p.Total {
		p.Rows = []Row{}
		return p, nil
	}
	order := ` ORDER BY plan_id, sort_key, workflow_id`
	if q.Urgent {
		now, zero := q.Now.UTC().Format(time.RFC3339), time.Time{}.Format(time.RFC3339)
		open := `status IN (?, ?)`
		order = ` ORDER BY CASE WHEN ` + open + ` AND due > ? AND due <= ? THEN 0 WHEN ` + open + ` AND due > ? AND warn_at <= ? THEN 1
			WHEN status IN (?, ?) THEN 3 ELSE 2 END, due, workflow_id`
		args = append(args, domain.StatusSigning, domain.StatusInReview, zero, now, domain.StatusSigning, domain.StatusInReview, zero, now,
			domain.StatusClosed, domain.StatusCancelled)
	}
	args = append(args, q.Limit, max(q.Offset, 0))
	rows, err := b.db.QueryContext(ctx, b.rebind(`SELECT `+boardColumns+` FROM board`+where+order+` LIMIT ? OFFSET ?`), args...)
	if err != nil {
		return p, fmt.Errorf("read board page: %w", err)
	}
	defer rows.Close()
	p.Rows = []Row{}
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return p, fmt.Errorf("read board page: %w", err)
		}
		p.Rows = append(p.Rows, r)
	}
	return p, rows.Err()
}

// where renders q's filters as a WHERE clause and its arguments.
func (b *Store) where(q Query) (string, []any) {
	var conds []string
	var args []any
	eq := func(col, v string) {
		if v != "" {
			conds, args = append(conds, col+` = ?`), append(args, v)
		}
	}
	eq(`plan_id`, q.Plan)
	eq(`section`, q.Section)
	eq(`status`, q.Status)
	// A list holds its items between commas; an ID with a comma in it is
	// no item of any list.
	member := func(col, id string) {
		switch {
		case id == "":
		case strings.Contains(id, ","):
			conds = append(conds, `1 = 0`)
		default:
			conds, args = append(conds, b.position(col)+` > 0`), append(args, ","+id+",")
		}
	}
	member(`participants`, q.Participant)
	member(`pending`, q.Pending)
	if q.Text != "" {
		conds = append(conds, `(`+b.position(`title`)+` > 0 OR substr(task_no, 1, ?) = ?)`)
		args = append(args, q.Text, utf8.RuneCountInString(q.Text), q.Text)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return ` WHERE ` + strings.Join(conds, ` AND `), args
}

// position is the dialect's case-sensitive "where in col is ?" (0 when
// absent): LIKE would ignore case on SQLite and treat _ as a wildcard.
func (b *Store) position(col string) string {
	if b.dialect == schema.Postgres {
		return `strpos(` + col + `, ?)`
	}
	return `instr(` + col + `, ?)`
}

// Menus are what a dashboard's filters offer, and its totals.
type Menus struct {
	// Plans are the plans of the ministry's tasks, in ID order.
	Plans []string
	// Sections are the sections of its tasks in the plan, in SortKey order.
	Sections []string
	// Totals count its tasks in the plan by status.
	Totals map[string]int
}

// Menus reads the menus of a participant's tasks (every task when empty)
// in plan (every plan when empty).
func (b *Store) Menus(ctx context.Context, participant, plan string) (Menus, error) {
	m := Menus{Plans: []string{}, Sections: []string{}, Totals: map[string]int{}}
	where, args := b.where(Query{Participant: participant})
	if err := b.strings(ctx, &m.Plans, `SELECT DISTINCT plan_id FROM board`+where+` ORDER BY plan_id`, args...); err != nil {
		return m, err
	}
	where, args = b.where(Query{Participant: participant, Plan: plan})
	if err := b.strings(ctx, &m.Sections, `SELECT DISTINCT section FROM board`+where, args...); err != nil {
		return m, err
	}
	slices.SortFunc(m.Sections, func(a, b string) int { return strings.Compare(SortKey(a), SortKey(b)) })
	rows, err := b.db.QueryContext(ctx, b.rebind(`SELECT status, COUNT(*) FROM board`+where+` GROUP BY status`), args...)
	if err != nil {
		return m, fmt.Errorf("count board by status: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return m, fmt.Errorf("count board by status: %w", err)
		}
		m.Totals[st] = n
	}
	return m, rows.Err()
}

func (b *Store) strings(ctx context.Context, out *[]string, q string, args ...any) error {
	rows, err := b.db.QueryContext(ctx, b.rebind(q), args...)
	if err != nil {
		return fmt.Errorf("read board menus: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("read board menus: %w", err)
		}
		*out = append(*out, s)
	}
	return rows.Err()
}

// scanRow reads one row selected as boardColumns.
func scanRow(rows *sql.Rows) (Row, error) {
	var r Row
	var parts, pending, due, updated string
	var window int64
	if err := rows.Scan(&r.WorkflowID, &r.PlanID, &r.TaskNo, &r.Title, &r.Status, &r.Round, &r.Lead,
		&parts, &pending, &due, &window, &r.Decisions, &updated); err != nil {
		return r, err
	}
	r.Participants, r.Pending = splitList(parts), splitList(pending)
	r.WarningWindow = time.Duration(window) * time.Second
	r.Due, _ = time.Parse(time.RFC3339, due)
	r.UpdatedAt, _ = time.Parse(time.RFC3339Nano, updated)
	return r, nil
}
