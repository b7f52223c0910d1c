package ledger

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
)

// planCacheMode is the PostgreSQL setting OpenPostgres sets on its
// connections.
const planCacheMode = "plan_cache_mode"

var postgresDialect = dialect{
	name:     "postgres",
	numbered: true,
	// Appenders from every process queue on the table lock, so each sees
	// the head the previous one wrote; readers are not blocked.
	lockHead: `LOCK TABLE decisions IN SHARE ROW EXCLUSIVE MODE`,
}

// OpenPostgres connects to the ledger in PostgreSQL and applies pending
// migrations.
func OpenPostgres(ctx context.Context, dsn string) (*SQLStore, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open ledger (postgres): %w", err)
	}
	// pgx prepares each statement once per connection. PostgreSQL may then
	// settle on a generic plan made while the tables were nearly empty,
	// and keep it as they grow: the append's look-ups (`decision_id =
	// ANY($1)`, `workflow_id = ANY($1)`) became a sequential scan of the
	// whole ledger per append. Planning each execution for its own values
	// costs a fraction of a millisecond and keeps them on their indexes.
	// A DSN that sets plan_cache_mode keeps its own.
	if _, set := cfg.RuntimeParams[planCacheMode]; !set {
		cfg.RuntimeParams[planCacheMode] = "force_custom_plan"
	}
	db := stdlib.OpenDB(*cfg)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger (postgres): %w", err)
	}
	s := &SQLStore{db: db, d: postgresDialect}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger (postgres): %w", err)
	}
	return s, nil
}

// appendPipelined writes a group on PostgreSQL in one round trip when the
// store knows the ledger's newest record (pipelineOnce), else in two
// instead of one per statement: the first sends BEGIN, the lock, the head
// read and the look-up of IDs already recorded, pipelined; the hashes are
// computed here; the second sends every insert (the Also statements among
// them) and COMMIT, pipelined. A failed statement leaves the transaction
// aborted, so any failure ends in ROLLBACK, and a connection that cannot be
// rolled back is discarded. (pgx's stdlib also discards a connection handed
// back inside a transaction; the ROLLBACK keeps it instead of opening a new
// one.)
func (s *SQLStore) appendPipelined(ctx context.Context, group []*appendReq) ([]Record, error) {
	first := group[0].e.DecisionID
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("append %s: connect: %w", first, err)
	}
	defer conn.Close()
	var recs []Record
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		rollback := func(err error) error {
			if _, rerr := pc.Exec(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil || pc.IsClosed() {
				return errors.Join(err, driver.ErrBadConn)
			}
			return err
		}
		var err error
		if tip, ok := s.oneTrip(group); ok {
			if recs, err = s.pipelineOnce(ctx, pc, group, tip); err == nil {
				s.setTip(recs, tip)
				return nil
			}
			// The guard found the ledger other than this store last saw
			// it (or the trip failed): forget the tip, back off, and take
			// the two trips, which read everything again and decide.
			s.missedOneTrip()
			if err := rollback(err); errors.Is(err, driver.ErrBadConn) {
				return err
			}
		}
		recs, err = s.pipeline(ctx, pc, group)
		if err != nil {
			s.forgetTip()
			return rollback(err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return recs, nil
}

func (s *SQLStore) pipeline(ctx context.Context, pc *pgx.Conn, group []*appendReq) ([]Record, error) {
	first := group[0].e.DecisionID
	ids := make([]string, len(group))
	for i, r := range group {
		ids[i] = r.e.DecisionID
	}
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(s.d.lockHead)
	b.Queue(`SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1`)
	b.Queue(`SELECT `+recordColumns+` FROM decisions WHERE decision_id = ANY($1)`, ids)
	tasks := conditioned(group)
	if len(tasks) > 0 {
		b.Queue(`SELECT workflow_id, COUNT(*), MAX(seq) FROM decisions WHERE workflow_id = ANY($1) GROUP BY workflow_id`, tasks)
	}
	br := pc.SendBatch(ctx, b)
	head := Record{PrevHash: GenesisHash}
	written := map[string]Record{}
	marks := map[string]taskMark{}
	err := func() error {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("append %s: begin: %w", first, err)
		}
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("append %s: lock: %w", first, err)
		}
		err := br.QueryRow().Scan(&head.Seq, &head.Hash)
		switch {
		case err == nil:
		case errors.Is(err, pgx.ErrNoRows):
			head.Hash = GenesisHash
		default:
			return fmt.Errorf("append %s: read head: %w", first, err)
		}
		rows, err := br.Query()
		if err != nil {
			return fmt.Errorf("append %s: look up: %w", first, err)
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRecord(rows)
			if err != nil {
				return fmt.Errorf("append %s: look up: %w", first, err)
			}
			written[r.DecisionID] = r
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("append %s: look up: %w", first, err)
		}
		rows.Close()
		if len(tasks) > 0 {
			mrows, err := br.Query()
			if err == nil {
				err = scanMarks(mrows, marks)
				mrows.Close()
			}
			if err != nil {
				return fmt.Errorf("append %s: how far its tasks are recorded: %w", first, err)
			}
		}
		return nil
	}()
	if cerr := br.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("append %s: %w", first, cerr)
	}
	if err != nil {
		return nil, err
	}

	recs, err := s.finish(ctx, pc, &pgx.Batch{}, nil, group, head, written, marks)
	if err == nil {
		s.setTip(recs, head)
	}
	return recs, err
}

// finish queues on b, after the statements what names, every insert of the
// group (the Also statements among them) chained after head, and COMMIT;
// sends them in one round trip and checks every answer.
func (s *SQLStore) finish(ctx context.Context, pc *pgx.Conn, b *pgx.Batch, what []string, group []*appendReq, head Record,
	written map[string]Record, marks map[string]taskMark) ([]Record, error) {
	first := group[0].e.DecisionID
	exec := func(query string, args ...any) error {
		b.Queue(s.Rebind(query), args...)
		return nil
	}
	recs, err := place(group, head, written, marks, func(req *appendReq, r Record) error {
		if err := insertRecord(exec, r); err != nil {
			return fmt.Errorf("append %s: insert: %w", r.DecisionID, err)
		}
		what = append(what, r.DecisionID+": insert")
		for _, f := range req.also {
			n := b.Len()
			if err := f(ctx, exec); err != nil {
				return fmt.Errorf("append %s: %w", r.DecisionID, err)
			}
			for ; n < b.Len(); n++ {
				what = append(what, r.DecisionID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	b.Queue(`COMMIT`)
	what = append(what, first+": commit")
	br := pc.SendBatch(ctx, b)
	err = nil
	for i := 0; i < b.Len(); i++ {
		tag, xerr := br.Exec()
		if xerr != nil {
			err = fmt.Errorf("append %s: %w", what[i], xerr)
			break
		}
		if i == b.Len()-1 && tag.String() != "COMMIT" {
			err = fmt.Errorf("append %s: commit answered %q", first, tag.String())
		}
	}
	if cerr := br.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("append %s: %w", first, cerr)
	}
	if err != nil {
		return nil, err
	}
	return recs, nil
}

// headGuard fails (division by zero) unless the ledger's newest record is
// $1 with hash $2: under the append's lock, the ledger ends where this store
// last saw it. The divisor is a subquery, evaluated only when the statement
// runs; the newest record is read as the head read reads it (the last entry
// of the primary key), whatever the table's statistics say.
const headGuard = `SELECT 1 / (SELECT COUNT(*) FROM (SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1) AS head
	WHERE head.seq = $1 AND head.hash = $2)`

// marksGuard fails (division by zero) if a task of $1 has a record after
// the matching sequence of $2: the last record its workflow reflects.
const marksGuard = `SELECT 1 / (SELECT CASE WHEN EXISTS (
	SELECT 1 FROM unnest($1::text[], $2::bigint[]) AS r(workflow_id, last_seq)
	JOIN decisions d ON d.workflow_id = r.workflow_id AND d.seq > r.last_seq) THEN 0 ELSE 1 END)`

// oneTrip says whether group can be written in one round trip, and after
// which record: the store knows the ledger's newest record, the group's
// decision IDs are distinct, each task it appends to on condition appears
// once among those appends, and each such condition names the last record
// its workflow reflects (a run that only counted records takes two trips).
func (s *SQLStore) oneTrip(group []*appendReq) (Record, bool) {
	s.tipMu.Lock()
	tip := s.tip
	skipping := s.skip > 0
	if skipping {
		s.skip--
	}
	s.tipMu.Unlock()
	if tip == nil || skipping || s.twoTrips {
		return Record{}, false
	}
	ids := make(map[string]bool, len(group))
	tasks := map[string]bool{}
	for _, r := range group {
		if ids[r.e.DecisionID] {
			return Record{}, false
		}
		ids[r.e.DecisionID] = true
		if r.after == nil {
			continue
		}
		if tasks[r.e.WorkflowID] || (r.after.LastSeq == 0 && r.after.Count > 0) {
			return Record{}, false
		}
		tasks[r.e.WorkflowID] = true
	}
	return *tip, true
}

// pipelineOnce writes group after tip in one round trip: BEGIN, the lock,
// a guard that fails unless the ledger still ends at tip, one that fails if
// a conditional append's task has records its workflow does not reflect,
// every insert, and COMMIT; a decision already recorded fails its insert
// (decision IDs are unique). Appends from this store alone find the ledger
// as they left it; after another process's append, or a decision sent
// again, a statement fails, nothing is written, and the caller takes the
// two-trip path, which reads and decides.
func (s *SQLStore) pipelineOnce(ctx context.Context, pc *pgx.Conn, group []*appendReq, tip Record) ([]Record, error) {
	var tasks []string
	var lasts []int64
	for _, r := range group {
		if r.after != nil {
			tasks = append(tasks, r.e.WorkflowID)
			lasts = append(lasts, r.after.LastSeq)
		}
	}
	first := group[0].e.DecisionID
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(s.d.lockHead)
	b.Queue(headGuard, tip.Seq, tip.Hash)
	what := []string{first + ": begin", first + ": lock", first + ": the ledger does not end where this store last saw it"}
	if len(tasks) > 0 {
		b.Queue(marksGuard, tasks, lasts)
		what = append(what, first+": a task has records its workflow does not reflect")
	}
	recs, err := s.finish(ctx, pc, b, what, group, tip, map[string]Record{}, map[string]taskMark{})
	if err == nil {
		s.oneTrips.Add(1)
		s.tipMu.Lock()
		s.backoff = 0
		s.tipMu.Unlock()
	}
	return recs, err
}

// maxBackoff bounds how many groups take two trips after a failed one-trip
// group before the next attempt: where several processes append in turn,
// about one group in maxBackoff pays a failed trip, instead of every one.
const maxBackoff = 64

// missedOneTrip forgets the tip after a failed one-trip group and has the
// next groups take two trips, twice as many as after the previous miss.
func (s *SQLStore) missedOneTrip() {
	s.oneTripMisses.Add(1)
	s.tipMu.Lock()
	s.tip = nil
	s.backoff = min(max(1, 2*s.backoff), maxBackoff)
	s.skip = s.backoff
	s.tipMu.Unlock()
}

// setTip remembers the newest of head and the records of a group just
// committed after it.
func (s *SQLStore) setTip(recs []Record, head Record) {
	tip := head
	for _, r := range recs {
		if r.Seq > tip.Seq {
			tip = r
		}
	}
	if tip.Seq == 0 {
		return
	}
	s.tipMu.Lock()
	s.tip = &Record{Seq: tip.Seq, Hash: tip.Hash}
	s.tipMu.Unlock()
}

// forgetTip drops what the store knew of the ledger's newest record.
func (s *SQLStore) forgetTip() {
	s.tipMu.Lock()
	s.tip = nil
	s.tipMu.Unlock()
}
