package ledger

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// The one-trip path: a PostgreSQL store that knows the ledger's newest
// record writes a group in one round trip, guarded, and falls back to the
// two trips of pipeline when the guard finds the ledger elsewhere.

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
		s.setTip(recs, tip)
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
