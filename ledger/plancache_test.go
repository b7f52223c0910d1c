package ledger

import (
	"context"
	"fmt"
	"testing"

	"lianxi/domain"
)

// The append's look-ups stay on their indexes as the ledger grows past
// the size its connection first prepared them at. Without per-execution
// plans, PostgreSQL kept the generic plan it settled on while the table
// held a dozen rows: a sequential scan of every record, per append.
func TestPostgresAppendStaysOnIndexesAsTheLedgerGrows(t *testing.T) {
	ctx := context.Background()
	s := postgresOnly(t)
	// One connection: every statement is prepared once, on it, as a
	// long-lived worker's pooled connections do.
	s.DB().SetMaxOpenConns(1)
	// Each append is a task's first record, checked against what its
	// workflow reflects (nothing), as the workflow's records are.
	conditioned := func(id string, i int) (Record, error) {
		e := entry(id, i)
		e.WorkflowID, e.TaskNo = "plan/"+id, id
		return s.AppendAfter(ctx, e, domain.Reflects{})
	}
	for i := range 12 {
		if _, err := conditioned(fmt.Sprintf("small-%d", i), i); err != nil {
			t.Fatal(err)
		}
	}
	// The ledger grows by 30,000 records behind the connection's back
	// (what months of appends from other processes do), with no ANALYZE.
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO decisions
		(seq, decision_id, workflow_id, run_id, plan_id, task_no, round, kind, ministry, person, payload, at, prev_hash, hash)
		SELECT g, 'bulk-' || g, 'bulk/' || (g % 5000), 'run', 'bulk', (g % 5000)::text, 1, 'sign_off', 'ndrc', 'p', '{}', '2026-03-01T09:00:00Z', 'x', 'y'
		FROM generate_series(13, 30012) AS g`); err != nil {
		t.Fatal(err)
	}
	read := func() int64 {
		var n int64
		// Flush this session's counters, then read them afresh.
		if _, err := s.DB().ExecContext(ctx, `SELECT pg_stat_force_next_flush()`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, `SELECT pg_stat_clear_snapshot()`); err != nil {
			t.Fatal(err)
		}
		if err := s.DB().QueryRowContext(ctx, `SELECT seq_tup_read FROM pg_stat_user_tables WHERE relname = 'decisions'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before, trips := read(), s.oneTrips.Load()
	const appends = 20
	for i := range appends {
		if _, err := conditioned(fmt.Sprintf("large-%d", i), i); err != nil {
			t.Fatal(err)
		}
	}
	if scanned := read() - before; scanned > 1000 {
		t.Errorf("%d appends read %d rows of decisions by sequential scan (%d per append) on a ledger of 30,000 records; want index look-ups",
			appends, scanned, scanned/appends)
	}
	// After the first (which finds the ledger grown and reads it) and the
	// one after it (backing off once), each append took one round trip,
	// its guards on the indexes too.
	if n := s.oneTrips.Load() - trips; n < appends-2 {
		t.Errorf("%d of %d appends took one round trip, want %d", n, appends, appends-2)
	}
	var mode string
	if err := s.DB().QueryRowContext(ctx, `SHOW plan_cache_mode`).Scan(&mode); err != nil || mode != "force_custom_plan" {
		t.Errorf("plan_cache_mode on the ledger's connection is %q (%v), want force_custom_plan", mode, err)
	}
}
