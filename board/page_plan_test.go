package board

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// The dashboard's pages (every task, one plan's, one status's) are read
// along an index in their order, on both backends, with 20,000 rows on the
// board: no sort of the whole board for 50 rows.
func TestDashboardPagesUseTheirIndex(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, b := open(t)
			fill := `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000)
				INSERT INTO board (` + boardColumns + `, ` + pageColumnNames + `)
				SELECT 'p' || (n % 4) || '/' || n, 'p' || (n % 4), '' || n, 't' || n, CASE WHEN n % 7 = 0 THEN 'closed' ELSE 'signing' END,
					1, 'ndrc', ',ndrc,', ',ndrc,', '2026-12-01T00:00:00Z', 86400, 1, '2026-11-01T00:00:00Z',
					substr('0000000000' || n, -10, 10), '' || n, '2026-11-30T00:00:00Z' FROM g`
			if s.Dialect() == "postgres" {
				fill = strings.Replace(fill, "substr('0000000000' || n, -10, 10)", "lpad('' || n, 10, '0')", 1)
			}
			if _, err := s.DB().ExecContext(ctx, fill); err != nil {
				t.Fatal(err)
			}
			explain := `EXPLAIN QUERY PLAN `
			if s.Dialect() == "postgres" {
				explain = `EXPLAIN `
				if _, err := s.DB().ExecContext(ctx, `ANALYZE board`); err != nil {
					t.Fatal(err)
				}
			}
			for _, q := range []Query{{}, {Plan: "p2"}, {Status: "closed"}} {
				where, args := b.where(q)
				args = append(args, 50, 100)
				rows, err := s.DB().QueryContext(ctx, s.Rebind(explain+`SELECT `+boardColumns+` FROM board`+where+
					` ORDER BY plan_id, sort_key, workflow_id LIMIT ? OFFSET ?`), args...)
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
						if str, ok := v.(string); ok {
							lines = append(lines, str)
						}
					}
				}
				rows.Close()
				got := strings.Join(lines, "\n")
				t.Logf("plan of %+v:\n%s", q, got)
				if !strings.Contains(got, "board_order") && !strings.Contains(got, "board_status_order") {
					t.Errorf("page %+v uses no ordered index:\n%s", q, got)
				}
				if strings.Contains(got, "TEMP B-TREE") || strings.Contains(got, "Sort") {
					t.Errorf("page %+v sorts the rows it selected:\n%s", q, got)
				}
			}
			// A plan's menus and totals read board_menus alone on SQLite;
			// PostgreSQL reads one plan's rows by either index (an index-only
			// scan waits for a vacuum) and aggregates them by hash.
			for _, q := range []string{`SELECT DISTINCT section FROM board WHERE plan_id = ?`, `SELECT status, COUNT(*) FROM board WHERE plan_id = ? GROUP BY status`} {
				var plan []string
				rows, err := s.DB().QueryContext(ctx, s.Rebind(explain+q), "p2")
				if err != nil {
					t.Fatal(err)
				}
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
					plan = append(plan, fmt.Sprint(vals...))
				}
				rows.Close()
				if got := strings.Join(plan, "\n"); s.Dialect() == "sqlite" && !strings.Contains(got, "board_menus") {
					t.Errorf("%s does not use board_menus:\n%s", q, got)
				}
			}
			p, err := b.Page(ctx, Query{Plan: "p2", Offset: 50, Limit: 50})
			if err != nil || p.Total != 5000 || len(p.Rows) != 50 || p.Rows[0].TaskNo != "202" {
				t.Errorf("page 2 of p2: %d of %d, first %+v (%v)", len(p.Rows), p.Total, p.Rows[:min(1, len(p.Rows))], err)
			}
		})
	}
}
