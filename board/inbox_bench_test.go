package board

import (
	"context"
	"fmt"
	"testing"
	"time"

	"lianxi/domain"
)

// inboxRows are n tasks of four plans, each with 5 of 10 ministries taking
// part (m0..m9, led by the first); a third are signing and still wait for
// the four others, a third are in review, a third closed.
func inboxRows(n int) []Row {
	out := make([]Row, 0, n)
	for i := range n {
		plan := fmt.Sprintf("plan-%d", i%4)
		no := fmt.Sprintf("%d.%d", i/500+1, i%500+1)
		var parts []string
		for j := range 5 {
			parts = append(parts, fmt.Sprintf("m%d", (i+j*3)%10))
		}
		r := Row{WorkflowID: plan + "/" + no, PlanID: plan, TaskNo: no, Title: fmt.Sprintf("任务 %05d", i), Round: 1,
			Lead: parts[0], Participants: parts, Pending: []string{},
			Due: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i%90) * 24 * time.Hour), WarningWindow: 5 * 24 * time.Hour,
			Decisions: 1, UpdatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
		switch i % 3 {
		case 0:
			r.Status, r.Pending = domain.StatusSigning, parts[1:]
		case 1:
			r.Status = domain.StatusInReview
		default:
			r.Status = domain.StatusClosed
		}
		out = append(out, r)
	}
	return out
}

// BenchmarkInboxPage reads one ministry's inbox as the console shows it,
// with 20,000 tasks on the board: the count and first page of the tasks
// pending for it, by their light, and the menus of its tasks.
//
//	go test ./board -run '^$' -bench BenchmarkInboxPage -benchtime 50x -count 3
func BenchmarkInboxPage(b *testing.B) {
	for name, open := range backends(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			l, s := open(b)
			if _, err := s.Seed(ctx, inboxRows(20000)); err != nil {
				b.Fatal(err)
			}
			// As autovacuum leaves a table some time after a bulk load.
			if l.Dialect() == "postgres" {
				if _, err := l.DB().ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
					b.Fatal(err)
				}
			}
			now := time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m := fmt.Sprintf("m%d", i%10)
				p, err := s.Page(ctx, Query{Pending: m, Urgent: true, Now: now, Limit: 50})
				if err != nil || len(p.Rows) != 50 || p.Total < 2000 {
					b.Fatalf("inbox of %s: %d rows of %d (%v)", m, len(p.Rows), p.Total, err)
				}
				if _, err := s.Menus(ctx, m, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPutOnBigBoard is what a record's transaction costs with its
// task's row (and members) written, 20,000 tasks on the board.
//
//	go test ./board -run '^$' -bench BenchmarkPutOnBigBoard -benchtime 300x
func BenchmarkPutOnBigBoard(b *testing.B) {
	for name, open := range backends(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			l, s := open(b)
			rows := inboxRows(20000)
			if _, err := s.Seed(ctx, rows); err != nil {
				b.Fatal(err)
			}
			// The seed's pages are copied back from SQLite's log now, not
			// by the first records timed.
			if l.Dialect() == "sqlite" {
				if _, err := l.DB().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r := rows[i%len(rows)]
				r.Decisions = 2 + i/len(rows)
				if _, err := l.Append(ctx, entry(fmt.Sprint("d", i), i), s.Put(r)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
