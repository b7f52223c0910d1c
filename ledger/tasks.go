package ledger

import (
	"context"
	"errors"
	"fmt"

	"lianxi/domain"
)

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
