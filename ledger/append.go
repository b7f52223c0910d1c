package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"lianxi/domain"
)

// busyRetry bounds how long Append keeps retrying while another process
// holds the database's write lock.
const busyRetry = 2 * time.Minute

// Append implements Store. Appends that arrive while another is being
// written are committed together, in arrival order, in one transaction
// (group commit): one lock, one read of the chain's head and one durable
// commit for all of them. If any of them fails, each is written again on
// its own, so one bad entry never takes another's record with it. When
// another process holds the write lock longer than the driver waits
// (SQLite under heavy contention), the append keeps retrying for up to
// busyRetry.
func (s *SQLStore) Append(ctx context.Context, e Entry, also ...Also) (Record, error) {
	return s.enqueue(ctx, e, nil, also)
}

// enqueue queues an append (conditional when after is set) and waits for
// its group's answer.
func (s *SQLStore) enqueue(ctx context.Context, e Entry, after *domain.Reflects, also []Also) (Record, error) {
	if err := e.Validate(); err != nil {
		return Record{}, err
	}
	e.At = e.At.UTC()
	req := &appendReq{e: e, after: after, also: also, done: make(chan appendResult, 1)}
	s.qmu.Lock()
	s.queue = append(s.queue, req)
	lead := !s.leading
	s.leading = true
	s.qmu.Unlock()
	if lead {
		// The leader writes its own group, then hands what queued behind
		// it to a background drain, so no caller waits for others' records
		// beyond its own group; its cancellation must not fail the others'.
		s.drain(context.WithoutCancel(ctx), true)
	}
	select {
	case r := <-req.done:
		return r.rec, r.err
	case <-ctx.Done():
		return Record{}, fmt.Errorf("append %s: %w", e.DecisionID, ctx.Err())
	}
}

// maxGroup bounds how many appends one transaction takes.
const maxGroup = 64

type appendReq struct {
	e     Entry
	after *domain.Reflects // set for AppendAfter
	also  []Also
	done  chan appendResult
	// refused is set by place when after does not hold: the request is
	// answered with it and writes nothing.
	refused error
}

type appendResult struct {
	rec Record
	err error
}

// drain writes queued appends, a group at a time, until none is left. A
// leader's caller (handOff) writes the first group, which holds its own
// append, and leaves the rest to a background drain.
func (s *SQLStore) drain(ctx context.Context, handOff bool) {
	for first := true; ; first = false {
		s.qmu.Lock()
		n := min(len(s.queue), maxGroup)
		if n == 0 {
			s.leading = false
			s.qmu.Unlock()
			return
		}
		if handOff && !first {
			// Still leading: the background drain takes over the lead.
			s.drainers.Add(1)
			s.qmu.Unlock()
			go func() {
				defer s.drainers.Done()
				s.drain(ctx, false)
			}()
			return
		}
		group := s.queue[:n:n]
		s.queue = s.queue[n:]
		s.qmu.Unlock()
		recs, err := s.appendRetrying(ctx, group)
		if err != nil && len(group) > 1 {
			for _, r := range group {
				one, err := s.appendRetrying(ctx, []*appendReq{r})
				if err == nil && r.refused != nil {
					err = r.refused
				}
				if err != nil {
					r.done <- appendResult{err: err}
				} else {
					r.done <- appendResult{rec: one[0]}
				}
			}
			continue
		}
		for i, r := range group {
			switch {
			case err != nil:
				r.done <- appendResult{err: err}
			case r.refused != nil:
				r.done <- appendResult{err: r.refused}
			default:
				r.done <- appendResult{rec: recs[i]}
			}
		}
		if err == nil && s.onCommit != nil {
			var last int64
			for _, r := range recs {
				last = max(last, r.Seq)
			}
			s.onCommit(last)
		}
	}
}

func (s *SQLStore) appendRetrying(ctx context.Context, group []*appendReq) ([]Record, error) {
	ctx, cancel := context.WithTimeout(ctx, busyRetry+30*time.Second)
	defer cancel()
	deadline := time.Now().Add(busyRetry)
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		recs, err := s.append(ctx, group)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return recs, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("append %s: %w", group[0].e.DecisionID, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// recorded returns the records of the group's decision IDs already on the
// ledger.
func (s *SQLStore) recorded(ctx context.Context, tx *sql.Tx, group []*appendReq) (map[string]Record, error) {
	ids := make([]any, 0, len(group))
	marks := make([]string, 0, len(group))
	for _, r := range group {
		ids = append(ids, r.e.DecisionID)
		marks = append(marks, "?")
	}
	rows, err := tx.QueryContext(ctx, s.Rebind(`SELECT `+recordColumns+` FROM decisions WHERE decision_id IN (`+strings.Join(marks, ", ")+`)`), ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Record{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out[r.DecisionID] = r
	}
	return out, rows.Err()
}

// place chains a group's new entries after head, in order, and has write
// store each with its Also work. A decision already recorded (before, or
// earlier in the group) is answered with its record and written no more;
// a conditional append whose workflow is behind its mark (as read, plus
// what the group wrote before it) is refused and written not at all. Both
// append paths share it, so they chain alike.
func place(group []*appendReq, head Record, written map[string]Record, marks map[string]taskMark, write func(*appendReq, Record) error) ([]Record, error) {
	recs := make([]Record, len(group))
	for i, req := range group {
		e := req.e
		req.refused = nil
		if r, ok := written[e.DecisionID]; ok {
			recs[i] = r
			continue
		}
		if req.refused = refusal(req, marks[e.WorkflowID]); req.refused != nil {
			continue
		}
		r := Record{Seq: head.Seq + 1, Entry: e, PrevHash: head.Hash}
		r.Hash = ComputeHash(r.Seq, r.Entry, r.PrevHash)
		if err := write(req, r); err != nil {
			return nil, err
		}
		head = r
		recs[i], written[e.DecisionID] = r, r
		m := marks[e.WorkflowID]
		marks[e.WorkflowID] = taskMark{count: m.count + 1, lastSeq: r.Seq}
	}
	return recs, nil
}

// insertRecord writes r's row in decisions.
func insertRecord(exec func(string, ...any) error, r Record) error {
	payload := ""
	if len(r.Payload) > 0 {
		b, err := json.Marshal(r.Payload)
		if err != nil {
			return fmt.Errorf("payload: %w", err)
		}
		payload = string(b)
	}
	return exec(`INSERT INTO decisions (`+recordColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Seq, r.DecisionID, r.WorkflowID, r.RunID, r.PlanID, r.TaskNo, r.Round, r.Kind, r.Ministry, r.Person,
		payload, r.At.Format(time.RFC3339Nano), r.PrevHash, r.Hash)
}

// isBusy reports SQLite's "database is locked" (SQLITE_BUSY).
func isBusy(err error) bool {
	return strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked")
}

func (s *SQLStore) append(ctx context.Context, group []*appendReq) ([]Record, error) {
	pipelined := s.d.name == postgresDialect.name && !s.unpipelined
	if s.onGroup != nil {
		s.onGroup(len(group), pipelined)
	}
	if pipelined {
		return s.appendPipelined(ctx, group)
	}
	first := group[0].e.DecisionID
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("append %s: begin: %w", first, err)
	}
	defer func() { _ = tx.Rollback() }()
	if s.d.lockHead != "" {
		if _, err := tx.ExecContext(ctx, s.d.lockHead); err != nil {
			return nil, fmt.Errorf("append %s: lock: %w", first, err)
		}
	}
	head := Record{PrevHash: GenesisHash}
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1`).Scan(&head.Seq, &head.Hash)
	switch {
	case err == nil:
	case errors.Is(err, sql.ErrNoRows):
		head.Hash = GenesisHash
	default:
		return nil, fmt.Errorf("append %s: read head: %w", first, err)
	}
	exec := func(query string, args ...any) error {
		_, err := tx.ExecContext(ctx, s.Rebind(query), args...)
		return err
	}
	// Decisions already recorded are answered with their record, found
	// for the whole group in one query.
	written, err := s.recorded(ctx, tx, group)
	if err != nil {
		return nil, fmt.Errorf("append %s: look up: %w", first, err)
	}
	marks, err := s.marks(ctx, tx, group)
	if err != nil {
		return nil, fmt.Errorf("append %s: how far its tasks are recorded: %w", first, err)
	}
	recs, err := place(group, head, written, marks, func(req *appendReq, r Record) error {
		if err := insertRecord(exec, r); err != nil {
			return fmt.Errorf("append %s: insert: %w", r.DecisionID, err)
		}
		for _, f := range req.also {
			if err := f(ctx, exec); err != nil {
				return fmt.Errorf("append %s: %w", r.DecisionID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("append %s: commit: %w", first, err)
	}
	return recs, nil
}
