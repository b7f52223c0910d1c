package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"lianxi/domain"
)

// dialect holds what differs between the SQL backends.
type dialect struct {
	name string
	// numbered placeholders ($1) instead of ?.
	numbered bool
	// lockHead serializes appenders across processes inside a transaction.
	lockHead string
}

// SQLStore is the Store over database/sql, for SQLite and PostgreSQL.
type SQLStore struct {
	db *sql.DB
	d  dialect
	// qmu guards queue and leading: appends wait in queue, and one of
	// them at a time (the leader) writes them in groups. The database
	// lock serializes appends across processes.
	qmu     sync.Mutex
	queue   []*appendReq
	leading bool
	// drainers counts background drains (the leader's caller hands the
	// rest of the queue to one once its own record is written); Close
	// waits for them.
	drainers sync.WaitGroup
	// unpipelined makes PostgreSQL write each statement in its own round
	// trip, as SQLite does; for measuring the pipelined path against it.
	unpipelined bool
	// onGroup, when set, sees each group before it is written: its size
	// and whether it takes the pipelined path; for tests only.
	onGroup func(size int, pipelined bool)
	// tipMu guards tip, the newest record this store wrote or read while
	// appending on PostgreSQL (nil when unknown), with which a group is
	// written in one round trip (see pipelineOnce), and the back-off of
	// that path while other processes append in between: after a one-trip
	// group fails, skip groups take two trips, backoff doubling (up to
	// maxBackoff) while the next attempts fail too.
	tipMu   sync.Mutex
	tip     *Record
	skip    int
	backoff int
	// twoTrips keeps PostgreSQL on the two-trip path; for measuring the
	// one-trip path against it.
	twoTrips bool
	// oneTrips counts the groups written in one round trip, oneTripMisses
	// the one-trip attempts that failed and took two more; for tests.
	oneTrips, oneTripMisses atomic.Int64
	// onCommit, when set (by a Checkpointer, before the first append),
	// hears the newest sequence number after each committed group.
	onCommit func(last int64)
}

// Rebind writes a query's ? placeholders in the backend's own form ($1,
// $2, … on PostgreSQL), for the packages that keep tables beside the ledger.
func (s *SQLStore) Rebind(query string) string {
	if !s.d.numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Dialect names the backend: "sqlite" or "postgres".
func (s *SQLStore) Dialect() string { return s.d.name }

const recordColumns = `seq, decision_id, workflow_id, run_id, plan_id, task_no, round, kind, ministry, person, payload, at, prev_hash, hash`

type scanner interface{ Scan(dest ...any) error }

func scanRecord(sc scanner) (Record, error) {
	var r Record
	var payload, at string
	if err := sc.Scan(&r.Seq, &r.DecisionID, &r.WorkflowID, &r.RunID, &r.PlanID, &r.TaskNo, &r.Round,
		&r.Kind, &r.Ministry, &r.Person, &payload, &at, &r.PrevHash, &r.Hash); err != nil {
		return Record{}, err
	}
	if payload != "" {
		if err := json.Unmarshal([]byte(payload), &r.Payload); err != nil {
			return Record{}, fmt.Errorf("record %d: payload: %w", r.Seq, err)
		}
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return Record{}, fmt.Errorf("record %d: time: %w", r.Seq, err)
	}
	r.At = t
	return r, nil
}

// Ended finds the record that closed or cancelled a task's workflow, if
// any: the ledger outlives Temporal's retention, so it is what says a task
// must not be started again.
func (s *SQLStore) Ended(ctx context.Context, workflowID string) (kind string, at time.Time, ok bool, err error) {
	r, err := scanRecord(s.db.QueryRowContext(ctx, s.Rebind(`SELECT `+recordColumns+` FROM decisions
		WHERE workflow_id = ? AND kind IN (?, ?) ORDER BY seq DESC LIMIT 1`), workflowID, domain.KindClosure, domain.KindCancel))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", time.Time{}, false, nil
	case err != nil:
		return "", time.Time{}, false, fmt.Errorf("ledger: look up the end of %s: %w", workflowID, err)
	}
	return r.Kind, r.At, true, nil
}

// Scan implements Store.
func (s *SQLStore) Scan(ctx context.Context, fn func(Record) error) error {
	return s.scan(ctx, `SELECT `+recordColumns+` FROM decisions ORDER BY seq`, fn)
}

// ScanWorkflow calls fn for the records of one workflow, in sequence order.
func (s *SQLStore) ScanWorkflow(ctx context.Context, workflowID string, fn func(Record) error) error {
	return s.scan(ctx, `SELECT `+recordColumns+` FROM decisions WHERE workflow_id = ? ORDER BY seq`, fn, workflowID)
}

func (s *SQLStore) scan(ctx context.Context, query string, fn func(Record) error, args ...any) error {
	rows, err := s.db.QueryContext(ctx, s.Rebind(query), args...)
	if err != nil {
		return fmt.Errorf("scan ledger: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return fmt.Errorf("scan ledger: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Close implements Store.
func (s *SQLStore) Close() error {
	s.drainers.Wait()
	return s.db.Close()
}

// DB exposes the underlying database, for the packages that keep tables
// beside the ledger (the outbox, the board, the console's sessions).
func (s *SQLStore) DB() *sql.DB { return s.db }
