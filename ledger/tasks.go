package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"lianxi/domain"
)

// Lookup finds the record of a decision ID; ok is false when the ledger
// does not hold it.
func (s *SQLStore) Lookup(ctx context.Context, decisionID string) (Record, bool, error) {
	r, err := scanRecord(s.db.QueryRowContext(ctx, s.Rebind(`SELECT `+recordColumns+` FROM decisions WHERE decision_id = ?`), decisionID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Record{}, false, nil
	case err != nil:
		return Record{}, false, fmt.Errorf("ledger: look up %s: %w", decisionID, err)
	}
	return r, true, nil
}

// TaskRecords returns the records of one task's workflow that come after
// what after says its workflow reflects, in sequence order: at most limit
// records and, past the first, about maxBytes of payload. When after has
// no sequence (a run from before the workflow kept it), the first
// after.Count records of the task are taken as reflected.
func (s *SQLStore) TaskRecords(ctx context.Context, workflowID string, after domain.Reflects, limit, maxBytes int) ([]Record, error) {
	if limit <= 0 {
		limit = 100
	}
	q, args := `SELECT `+recordColumns+` FROM decisions WHERE workflow_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		[]any{workflowID, after.LastSeq, limit}
	if after.LastSeq == 0 && after.Count > 0 {
		q, args = `SELECT `+recordColumns+` FROM decisions WHERE workflow_id = ? ORDER BY seq LIMIT ? OFFSET ?`,
			[]any{workflowID, limit, after.Count}
	}
	var out []Record
	size := 0
	errFull := errors.New("full")
	err := s.scan(ctx, q, func(r Record) error {
		n := 0
		for k, v := range r.Payload {
			n += len(k) + len(v)
		}
		if len(out) > 0 && size+n > maxBytes {
			return errFull
		}
		size += n
		out = append(out, r)
		return nil
	}, args...)
	if err != nil && !errors.Is(err, errFull) {
		return nil, fmt.Errorf("ledger: records of %s: %w", workflowID, err)
	}
	return out, nil
}

// Ahead reports whether the ledger holds records of the task's workflow
// beyond what after says the workflow reflects.
func (s *SQLStore) Ahead(ctx context.Context, workflowID string, after domain.Reflects) (bool, error) {
	var n int
	var err error
	if after.LastSeq == 0 {
		err = s.db.QueryRowContext(ctx, s.Rebind(`SELECT COUNT(*) FROM decisions WHERE workflow_id = ?`), workflowID).Scan(&n)
		return n > after.Count, wrapAhead(workflowID, err)
	}
	err = s.db.QueryRowContext(ctx, s.Rebind(`SELECT COUNT(*) FROM (SELECT 1 FROM decisions WHERE workflow_id = ? AND seq > ? LIMIT 1) t`),
		workflowID, after.LastSeq).Scan(&n)
	return n > 0, wrapAhead(workflowID, err)
}

func wrapAhead(workflowID string, err error) error {
	if err != nil {
		return fmt.Errorf("ledger: how far %s is recorded: %w", workflowID, err)
	}
	return nil
}
