package ledger

import "context"

// ScanKind calls fn for a plan's records of one kind, in sequence order:
// the bulletins of its reporting rounds, the changes to its cycles. It reads
// the whole table (no index on kind yet), which is fine for lists the
// office opens by hand.
func (s *SQLStore) ScanKind(ctx context.Context, planID, kind string, fn func(Record) error) error {
	return s.scan(ctx, `SELECT `+recordColumns+` FROM decisions WHERE plan_id = ? AND kind = ? ORDER BY seq`, fn, planID, kind)
}
