package ledger

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// appendPaths opens a fresh store for each way of writing a group: SQLite,
// PostgreSQL pipelined (the default there: one round trip per group once
// the store knows the ledger's head), PostgreSQL pipelined in two round
// trips, and PostgreSQL through database/sql, one round trip per statement.
func appendPaths(t *testing.T) map[string]func(t *testing.T) *SQLStore {
	out := backends(t)
	if pg, ok := out["postgres"]; ok {
		out["postgres-database-sql"] = func(t *testing.T) *SQLStore {
			s := pg(t)
			s.unpipelined = true
			return s
		}
		out["postgres-two-trips"] = func(t *testing.T) *SQLStore {
			s := pg(t)
			s.twoTrips = true
			return s
		}
	}
	return out
}

// groups records the groups a store writes: their sizes and paths.
type groups struct {
	mu        sync.Mutex
	sizes     []int
	pipelined []bool
}

func watchGroups(s *SQLStore) *groups {
	g := &groups{}
	s.onGroup = func(n int, p bool) {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.sizes = append(g.sizes, n)
		g.pipelined = append(g.pipelined, p)
	}
	return g
}

// check fails t unless some group had more than one append and every
// group took the path name stands for.
func (g *groups) check(t *testing.T, name string) {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	largest := 0
	for i, n := range g.sizes {
		largest = max(largest, n)
		if g.pipelined[i] != (name == "postgres" || name == "postgres-two-trips") {
			t.Errorf("group %d of %d appends pipelined=%v on %s", i, n, g.pipelined[i], name)
		}
	}
	if largest < 2 {
		t.Errorf("no group had more than one append (sizes %v)", g.sizes)
	}
}

// alsoTable is where the tests' Also work writes, with the argument
// types Also callers pass: TEXT, INTEGER from int, BIGINT from int64,
// formatted times, bytes; and task_rows (see taskRows).
func alsoTable(t *testing.T, s *SQLStore) {
	t.Helper()
	blob := "BYTEA"
	if s.d.name == "sqlite" {
		blob = "BLOB"
	}
	if _, err := s.db.Exec(`CREATE TABLE also_rows (decision_id TEXT PRIMARY KEY, n INTEGER NOT NULL, big BIGINT NOT NULL,
		at TEXT NOT NULL, blob ` + blob + ` NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	taskRows(t, s)
}

type alsoRow struct {
	n   int
	big int64
	at  string
	b   []byte
}

func wantAlso(id string, n int) alsoRow {
	return alsoRow{n: n, big: int64(n) << 33, at: time.Date(2026, 3, 1, 9, 0, n, 0, time.UTC).Format(time.RFC3339Nano), b: []byte("blob:" + id)}
}

// putAlso is Also work that writes one also_rows row under key id.
func putAlso(id string, n int) Also {
	return func(ctx context.Context, exec func(string, ...any) error) error {
		w := wantAlso(id, n)
		return exec(`INSERT INTO also_rows (decision_id, n, big, at, blob) VALUES (?, ?, ?, ?, ?)`, id, w.n, w.big, w.at, w.b)
	}
}

func readAlso(t *testing.T, s *SQLStore) map[string]alsoRow {
	t.Helper()
	rows, err := s.db.Query(`SELECT decision_id, n, big, at, blob FROM also_rows`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]alsoRow{}
	for rows.Next() {
		var id string
		var r alsoRow
		if err := rows.Scan(&id, &r.n, &r.big, &r.at, &r.b); err != nil {
			t.Fatal(err)
		}
		out[id] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func stored(t *testing.T, s *SQLStore) map[string]Record {
	t.Helper()
	out := map[string]Record{}
	if err := s.Scan(context.Background(), func(r Record) error {
		if _, dup := out[r.DecisionID]; dup {
			return fmt.Errorf("decision %s stored twice", r.DecisionID)
		}
		out[r.DecisionID] = r
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func verify(t *testing.T, s *SQLStore, count int) {
	t.Helper()
	res, err := Verify(context.Background(), s)
	if err != nil || !res.OK || res.Count != int64(count) {
		t.Fatalf("verify: %+v %v; want an intact chain of %d records", res, err, count)
	}
}

type call struct {
	e    Entry
	also []Also
}

// inOneGroup appends calls at once so that they are written as one group,
// in their order: a first append (holder) keeps the leader busy until
// every call is queued.
func inOneGroup(t *testing.T, s *SQLStore, holder Entry, calls []call) ([]Record, []error) {
	t.Helper()
	ctx := context.Background()
	held, release := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	defer releaseOnce.Do(func() { close(release) })
	hold := func(context.Context, func(string, ...any) error) error {
		close(held)
		<-release
		return nil
	}
	holderErr := make(chan error, 1)
	go func() {
		_, err := s.Append(ctx, holder, hold)
		holderErr <- err
	}()
	<-held
	recs, errs := make([]Record, len(calls)), make([]error, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			recs[i], errs[i] = s.Append(ctx, c.e, c.also...)
		}()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			s.qmu.Lock()
			queued := len(s.queue)
			s.qmu.Unlock()
			if queued == i+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("append %d of %d was not queued (%d queued)", i+1, len(calls), queued)
			}
		}
	}
	releaseOnce.Do(func() { close(release) })
	wg.Wait()
	if err := <-holderErr; err != nil {
		t.Fatalf("holder: %v", err)
	}
	return recs, errs
}

// pgAdmin is a connection of the test's own to a store's PostgreSQL
// database, outside the store's pool.
func pgAdmin(t *testing.T, s *SQLStore) *sql.DB {
	t.Helper()
	dsn, ok := pgDSNs.Load(s)
	if !ok {
		t.Fatal("not a store freshPostgres opened")
	}
	db, err := sql.Open("pgx", dsn.(string))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// noTransactionLeft fails t if one of the store's pooled connections is
// inside a transaction, or if the table lock appenders take is held. A
// connection being closed (discarded) may take a moment to end on the
// server; one left in the pool stays.
func noTransactionLeft(t *testing.T, s *SQLStore, admin *sql.DB) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var open []string
		rows, err := admin.Query(`SELECT pid::text || ' ' || state FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			open = append(open, s)
		}
		rows.Close()
		if len(open) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("connections left inside a transaction: %v", open)
			break
		}
	}
	tx, err := admin.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.Exec(`SET LOCAL lock_timeout = '2s'`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(s.d.lockHead); err != nil {
		t.Errorf("the appenders' table lock is still held: %v", err)
	}
}

// Many goroutines append at once (groups of many form): one gapless,
// intact chain; every answer is the record as stored; a repeated decision
// is answered with its first record; every Also row and board row is
// there, with the values passed.
func TestConcurrentGroupsKeepChainAndRows(t *testing.T) {
	const writers, each = 32, 40
	for name, open := range appendPaths(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			alsoTable(t, s)
			g := watchGroups(s)
			// On PostgreSQL odd writers use a second pool, as another
			// process would: the table lock orders the two.
			second := s
			if dsn, ok := pgDSNs.Load(s); ok {
				var err error
				if second, err = OpenPostgres(ctx, dsn.(string)); err != nil {
					t.Fatal(err)
				}
				defer second.Close()
				second.unpipelined, second.onGroup = s.unpipelined, s.onGroup
			}
			recs := make([][]Record, writers)
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			for w := range writers {
				recs[w] = make([]Record, each)
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						id := fmt.Sprintf("w%d-%d", w, i)
						if i%10 == 5 {
							// Repeats the decision of i-3, with other contents.
							id = fmt.Sprintf("w%d-%d", w, i-3)
						}
						e := entry(id, w*each+i)
						e.WorkflowID = fmt.Sprintf("plan/1.%d", w)
						target := s
						if w%2 == 1 {
							target = second
						}
						r, err := target.Append(ctx, e, putRow(e.WorkflowID, i+1), putAlso(id, w*each+i))
						if err != nil {
							errs <- err
							return
						}
						recs[w][i] = r
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			distinct := writers * (each - each/10)
			verify(t, s, distinct)
			got := stored(t, s)
			also := readAlso(t, s)
			if len(also) != distinct {
				t.Errorf("%d Also rows, want %d", len(also), distinct)
			}
			for w := range writers {
				for i, r := range recs[w] {
					if want := got[r.DecisionID]; !reflect.DeepEqual(r, want) {
						t.Fatalf("append %d of writer %d answered %+v\nstored %+v", i, w, r, want)
					}
					first := i
					if i%10 == 5 {
						first = i - 3
					}
					if i != first && !reflect.DeepEqual(r, recs[w][first]) {
						t.Errorf("repeated decision %s answered %+v, want its first record %+v", r.DecisionID, r, recs[w][first])
					}
					if a, want := also[r.DecisionID], wantAlso(r.DecisionID, w*each+first); a.n != want.n || a.big != want.big || a.at != want.at || !bytes.Equal(a.b, want.b) {
						t.Errorf("Also row of %s = %+v, want %+v", r.DecisionID, a, want)
					}
				}
			}
			board := readRows(t, s)
			if len(board) != writers {
				t.Errorf("task_rows has %d rows, want %d", len(board), writers)
			}
			for id, n := range board {
				if n != each {
					t.Errorf("task row %s has %d decisions, want %d", id, n, each)
				}
			}
			g.check(t, name)
		})
	}
}

// In one group, an append whose Also work fails before anything is sent,
// and one whose statement fails on the server in the middle of the
// transaction, fail alone; the others are recorded with their rows. No
// pooled connection is left inside a transaction, nor holding the lock,
// and the next append succeeds.
func TestFailedAppendsLeaveNoTransaction(t *testing.T) {
	for name, open := range appendPaths(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			alsoTable(t, s)
			var admin *sql.DB
			if s.d.name == "postgres" {
				admin = pgAdmin(t, s)
			}
			// A row already under the key "taken": writing it again fails
			// on the server (unique violation).
			if _, err := s.Append(ctx, entry("seed", 0), putAlso("taken", 0)); err != nil {
				t.Fatal(err)
			}
			goFails := func(ctx context.Context, exec func(string, ...any) error) error {
				// Queued (or run) first, then the Also fails: the statement
				// must not be committed.
				if err := putAlso("queued-then-failed", 1)(ctx, exec); err != nil {
					return err
				}
				return errors.New("outbox down")
			}
			mk := func(id string, n int, also ...Also) call {
				return call{e: entry(id, n), also: append([]Also{putRow("plan/1."+id, 1)}, also...)}
			}
			g := watchGroups(s)
			_, errs := inOneGroup(t, s, entry("holder", 100), []call{
				mk("f0", 10, putAlso("f0", 10)),
				mk("f1", 11, goFails),
				mk("f2", 12, putAlso("f2", 12)),
				mk("f3", 13, putAlso("taken", 13)),
				mk("f4", 14, putAlso("f4", 14)),
			})
			g.mu.Lock()
			if len(g.sizes) < 2 || g.sizes[1] != 5 {
				t.Errorf("groups %v, want the holder's then one of 5", g.sizes)
			}
			g.mu.Unlock()
			for i, err := range errs {
				switch {
				case i == 1 && (err == nil || !strings.Contains(err.Error(), "outbox down") || !strings.Contains(err.Error(), "f1")):
					t.Errorf("f1: %v, want its Also's error", err)
				case i == 3 && (err == nil || !strings.Contains(err.Error(), "f3")):
					t.Errorf("f3: %v, want the unique violation", err)
				case i != 1 && i != 3 && err != nil:
					t.Errorf("f%d: %v", i, err)
				}
			}
			if admin != nil {
				noTransactionLeft(t, s, admin)
			}
			// Alone (no retry follows): a statement failing mid-transaction,
			// then Also work failing before anything is sent.
			if _, err := s.Append(ctx, entry("f5", 15), putAlso("f5", 15), putAlso("taken", 15)); err == nil {
				t.Error("f5 was recorded though its Also statement failed")
			}
			if admin != nil {
				noTransactionLeft(t, s, admin)
			}
			if _, err := s.Append(ctx, entry("f6", 16), putAlso("f6", 16), goFails); err == nil {
				t.Error("f6 was recorded though its Also failed")
			}
			if admin != nil {
				noTransactionLeft(t, s, admin)
			}
			// A statement the server cannot prepare (unknown table), and an
			// argument the driver cannot encode: both fail before the
			// statements of the transaction are sent.
			unknown := func(_ context.Context, exec func(string, ...any) error) error {
				return exec(`INSERT INTO no_such_table (id) VALUES (?)`, "f8")
			}
			if _, err := s.Append(ctx, entry("f8", 18), putAlso("f8", 18), unknown); err == nil || !strings.Contains(err.Error(), "no_such_table") {
				t.Errorf("f8: %v, want the unknown table", err)
			}
			if admin != nil {
				noTransactionLeft(t, s, admin)
			}
			unencodable := func(_ context.Context, exec func(string, ...any) error) error {
				return exec(`INSERT INTO also_rows (decision_id, n, big, at, blob) VALUES (?, ?, ?, ?, ?)`, "f9", struct{}{}, 0, "", []byte{})
			}
			if _, err := s.Append(ctx, entry("f9", 19), putAlso("f9", 19), unencodable); err == nil {
				t.Error("f9 was recorded though an argument of its Also could not be encoded")
			}
			if admin != nil {
				noTransactionLeft(t, s, admin)
			}
			if _, err := s.Append(ctx, entry("f7", 17), putAlso("f7", 17)); err != nil {
				t.Fatalf("append after failures: %v", err)
			}
			got := stored(t, s)
			for _, id := range []string{"seed", "holder", "f0", "f2", "f4", "f7"} {
				if _, ok := got[id]; !ok {
					t.Errorf("%s not recorded", id)
				}
			}
			verify(t, s, 6)
			also := readAlso(t, s)
			for _, id := range []string{"queued-then-failed", "f5", "f6", "f8", "f9"} {
				if _, ok := also[id]; ok {
					t.Errorf("Also row %s of a failed append was written", id)
				}
			}
			if len(also) != 5 {
				t.Errorf("Also rows %v, want taken, f0, f2, f4, f7", also)
			}
			if board := readRows(t, s); len(board) != 3 {
				t.Errorf("task rows %v, want the rows of f0, f2 and f4", board)
			}
		})
	}
}

// A connection that breaks in the middle of a group (the server ends it)
// cannot be rolled back: the pipelined path discards it at once instead of
// pooling it, and the next append succeeds on another.
func TestBrokenConnectionIsDiscarded(t *testing.T) {
	for name, open := range appendPaths(t) {
		if name == "sqlite" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			if _, err := s.Append(ctx, entry("a", 1)); err != nil {
				t.Fatal(err)
			}
			before := s.db.Stats()
			if before.Idle < 1 {
				t.Fatalf("no idle connection to reuse: %+v", before)
			}
			kill := func(_ context.Context, exec func(string, ...any) error) error {
				return exec(`SELECT pg_terminate_backend(pg_backend_pid())`)
			}
			if _, err := s.Append(ctx, entry("b", 2), kill); err == nil {
				t.Fatal("append succeeded though its connection was ended")
			}
			// (The database/sql path pools it; the driver finds it closed
			// when it is next taken.)
			if after := s.db.Stats(); name != "postgres-database-sql" && after.OpenConnections != before.OpenConnections-1 {
				t.Errorf("open connections %d before, %d after the broken one: it was not discarded", before.OpenConnections, after.OpenConnections)
			}
			if _, err := s.Append(ctx, entry("c", 3)); err != nil {
				t.Fatalf("append after a broken connection: %v", err)
			}
			got := stored(t, s)
			if _, ok := got["b"]; ok {
				t.Error("b was recorded")
			}
			verify(t, s, 2)
		})
	}
}

// A decision already on the ledger, and one appended twice in the same
// group, are answered with their first record and recorded once; the
// repeats' Also work does not run, and the group is written in one
// transaction (not failed and retried one by one).
func TestRepeatedDecisionsInOneGroup(t *testing.T) {
	for name, open := range appendPaths(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			alsoTable(t, s)
			a, err := s.Append(ctx, entry("a", 1), putAlso("a", 1))
			if err != nil {
				t.Fatal(err)
			}
			g := watchGroups(s)
			recs, errs := inOneGroup(t, s, entry("holder", 100), []call{
				{entry("a", 2), []Also{putAlso("a-again", 2)}},
				{entry("x", 3), []Also{putAlso("x", 3)}},
				{entry("x", 4), []Also{putAlso("x-again", 4)}},
				{entry("y", 5), []Also{putAlso("y", 5)}},
			})
			for i, err := range errs {
				if err != nil {
					t.Fatalf("append %d: %v", i, err)
				}
			}
			g.mu.Lock()
			if !reflect.DeepEqual(g.sizes, []int{1, 4}) {
				t.Errorf("groups %v, want the holder's then one of 4, written once", g.sizes)
			}
			g.mu.Unlock()
			got := stored(t, s)
			if !reflect.DeepEqual(recs[0], a) || !reflect.DeepEqual(recs[0], got["a"]) {
				t.Errorf("a again = %+v, want its first record %+v", recs[0], a)
			}
			if !reflect.DeepEqual(recs[1], recs[2]) || !reflect.DeepEqual(recs[1], got["x"]) || recs[1].Payload["n"] != "3" {
				t.Errorf("x twice = %+v and %+v, stored %+v; want the first both times", recs[1], recs[2], got["x"])
			}
			if recs[1].Seq != 3 || recs[3].Seq != 4 || recs[3].PrevHash != recs[1].Hash || !reflect.DeepEqual(recs[3], got["y"]) {
				t.Errorf("x %+v, y %+v: want seq 3 and 4, chained", recs[1], recs[3])
			}
			verify(t, s, 4)
			also := readAlso(t, s)
			if len(also) != 3 || also["a"].n != 1 || also["x"].n != 3 || also["y"].n != 5 {
				t.Errorf("Also rows %v, want those of the first a, x and y only", also)
			}
		})
	}
}
