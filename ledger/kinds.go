package ledger

import "context"

// ScanKind calls fn for a plan's records of one kind (every plan's when
// planID is empty), in sequence order: the bulletins of its reporting
// rounds, the changes to its cycles. It reads the whole table (no index on
// kind yet), which is fine for the lists people open by hand.
func (s *SQLStore) ScanKind(ctx context.Context, planID, kind string, fn func(Record) error) error {
	if planID == "" {
		return s.scan(ctx, `SELECT `+recordColumns+` FROM decisions WHERE kind = ? ORDER BY seq`, fn, kind)
	}
	return s.scan(ctx, `SELECT `+recordColumns+` FROM decisions WHERE plan_id = ? AND kind = ? ORDER BY seq`, fn, planID, kind)
}
