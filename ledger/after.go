package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"lianxi/domain"
)

// ErrAhead is an append refused because the ledger holds records of the
// entry's workflow that the workflow does not reflect yet.
var ErrAhead = errors.New("the ledger holds records of the task that its workflow does not reflect yet")

// AppendAfter appends e like Append, but only if the ledger holds no record
// of e's workflow beyond what after says the workflow reflects; otherwise
// it returns an error wrapping ErrAhead and writes nothing. A decision
// already recorded is answered with its record either way. The check is
// made in the transaction that appends, under its lock, so no record of the
// task can land between the check and the append, from this process or
// another.
func (s *SQLStore) AppendAfter(ctx context.Context, e Entry, after domain.Reflects, also ...Also) (Record, error) {
	return s.enqueue(ctx, e, &after, also)
}

// taskMark is how far the ledger holds a task's workflow: how many of its
// records and the sequence of the last.
type taskMark struct {
	count   int
	lastSeq int64
}

// conditioned lists the distinct workflows of a group's conditional
// appends.
func conditioned(group []*appendReq) []string {
	var ids []string
	seen := map[string]bool{}
	for _, r := range group {
		if r.after != nil && !seen[r.e.WorkflowID] {
			seen[r.e.WorkflowID] = true
			ids = append(ids, r.e.WorkflowID)
		}
	}
	return ids
}

// marksQuery reads the marks of the given workflows (one placeholder each).
func marksQuery(n int) string {
	return `SELECT workflow_id, COUNT(*), MAX(seq) FROM decisions WHERE workflow_id IN (` +
		strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + `) GROUP BY workflow_id`
}

// marks reads, in tx, how far the ledger holds the workflows of the
// group's conditional appends.
func (s *SQLStore) marks(ctx context.Context, tx *sql.Tx, group []*appendReq) (map[string]taskMark, error) {
	ids := conditioned(group)
	out := map[string]taskMark{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.QueryContext(ctx, s.Rebind(marksQuery(len(ids))), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return out, scanMarks(rows, out)
}

// markRows are the rows of the marks query, from database/sql or pgx.
type markRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanMarks reads the marks query's rows (workflow ID, count, last
// sequence) into marks.
func scanMarks(rows markRows, marks map[string]taskMark) error {
	for rows.Next() {
		var id string
		var m taskMark
		if err := rows.Scan(&id, &m.count, &m.lastSeq); err != nil {
			return err
		}
		marks[id] = m
	}
	return rows.Err()
}

// refusal is the error of a conditional append whose workflow is behind
// the ledger's mark m, or nil.
func refusal(r *appendReq, m taskMark) error {
	if r.after == nil {
		return nil
	}
	ahead := m.lastSeq > r.after.LastSeq
	if r.after.LastSeq == 0 {
		// A run from before the workflow kept sequences counts records.
		ahead = m.count > r.after.Count
	}
	if !ahead {
		return nil
	}
	return fmt.Errorf("append %s: %s holds %d records (the last %d), its workflow reflects %d (the last %d): %w",
		r.e.DecisionID, r.e.WorkflowID, m.count, m.lastSeq, r.after.Count, r.after.LastSeq, ErrAhead)
}
