package ledger

import (
	"context"
	"strings"
	"testing"
)

// ScanKind's queries use the decisions_kind index instead of reading the
// whole ledger, on both backends, once the ledger holds many records of
// other kinds (20,000 rows, 40 of the kind looked for).
func TestScanKindUsesItsIndex(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			// Rows written directly (their hashes are not a chain): only
			// the plan matters here.
			fill := `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000)
				INSERT INTO decisions (` + recordColumns + `)
				SELECT n, 'd' || n, 'p' || (n % 10) || '/1.' || (n % 100), 'r', 'p' || (n % 10), '1.' || (n % 100), 1,
					CASE WHEN n % 500 = 0 THEN 'bulletin' ELSE 'progress' END, 'ndrc', '', '', '2026-03-01T09:00:00Z', '', '' FROM g`
			if _, err := s.db.ExecContext(ctx, fill); err != nil {
				t.Fatal(err)
			}
			explain := `EXPLAIN QUERY PLAN `
			if s.d.name == "postgres" {
				explain = `EXPLAIN `
				if _, err := s.db.ExecContext(ctx, `ANALYZE decisions`); err != nil {
					t.Fatal(err)
				}
			}
			for _, plan := range []string{"", "p3"} {
				q, args := kindQuery(plan, "bulletin")
				rows, err := s.db.QueryContext(ctx, s.Rebind(explain+q), args...)
				if err != nil {
					t.Fatal(err)
				}
				var lines []string
				for rows.Next() {
					cols, _ := rows.Columns()
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					if err := rows.Scan(ptrs...); err != nil {
						t.Fatal(err)
					}
					for _, v := range vals {
						if b, ok := v.([]byte); ok {
							v = string(b)
						}
						if str, ok := v.(string); ok {
							lines = append(lines, str)
						}
					}
				}
				rows.Close()
				got := strings.Join(lines, "\n")
				t.Logf("plan of ScanKind(%q):\n%s", plan, got)
				if !strings.Contains(got, "decisions_kind") {
					t.Errorf("ScanKind(%q) does not use decisions_kind:\n%s", plan, got)
				}
			}
			n := 0
			if err := s.ScanKind(ctx, "p0", "bulletin", func(Record) error { n++; return nil }); err != nil || n != 40 {
				t.Errorf("ScanKind found %d records (%v), want 40", n, err)
			}
		})
	}
}
