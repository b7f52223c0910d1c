package ledger

import "context"

// ScanKind calls fn for a plan's records of one kind (every plan's when
// planID is empty), in sequence order: the bulletins of its reporting
// rounds, the changes to its cycles. The decisions_kind index (kind, seq)
// finds them without reading the whole table.
func (s *SQLStore) ScanKind(ctx context.Context, planID, kind string, fn func(Record) error) error {
	q, args := kindQuery(planID, kind)
	return s.scan(ctx, q, fn, args...)
}

// kindQuery is ScanKind's query and its arguments.
func kindQuery(planID, kind string) (string, []any) {
	if planID == "" {
		return `SELECT ` + recordColumns + ` FROM decisions WHERE kind = ? ORDER BY seq`, []any{kind}
	}
	return `SELECT ` + recordColumns + ` FROM decisions WHERE plan_id = ? AND kind = ? ORDER BY seq`, []any{planID, kind}
}
