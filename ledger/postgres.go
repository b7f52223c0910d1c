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
