package ledger

import (
	"context"
	"fmt"
	"lianxi/domain"
	"lianxi/testkit"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// backends opens a fresh store on every backend: a SQLite file and, where
// the test command started one, a PostgreSQL database.
func backends(t *testing.T) map[string]func(t *testing.T) *SQLStore {
	out := map[string]func(t *testing.T) *SQLStore{
		"sqlite": func(t *testing.T) *SQLStore {
			s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
	dsn := testkit.PostgresDSN(t)
	if dsn == "" {
		return out
	}
	out["postgres"] = func(t *testing.T) *SQLStore {
		return freshPostgres(t, dsn)
	}
	return out
}

// pgDSNs maps each store freshPostgres opened to its database's DSN, for
// tests that look at the server from a connection of their own.
var pgDSNs sync.Map

// freshPostgres opens a store on a database of its own for one test.
func freshPostgres(t testing.TB, dsn string) *SQLStore {
	t.Helper()
	db := testkit.FreshDatabase(t, dsn)
	s, err := OpenPostgres(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	pgDSNs.Store(s, db)
	t.Cleanup(func() { s.Close(); pgDSNs.Delete(s) })
	return s
}

func entry(id string, i int) Entry {
	return Entry{
		DecisionID: id, WorkflowID: "plan/1.1", RunID: "run", PlanID: "plan", TaskNo: "1.1",
		Round: 1, Kind: domain.KindSignOff, Ministry: "ndrc", Person: "张三",
		Payload: map[string]string{"decision": "approve", "n": fmt.Sprint(i)},
		At:      time.Date(2026, 3, 1, 9, 0, 0, i, time.UTC),
	}
}

func TestAppendChainsAndDeduplicates(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			r1, err := s.Append(ctx, entry("a", 1))
			if err != nil {
				t.Fatal(err)
			}
			r2, err := s.Append(ctx, entry("b", 2))
			if err != nil {
				t.Fatal(err)
			}
			again, err := s.Append(ctx, entry("a", 99))
			if err != nil {
				t.Fatal(err)
			}
			if r1.Seq != 1 || r2.Seq != 2 || r1.PrevHash != GenesisHash || r2.PrevHash != r1.Hash {
				t.Errorf("chain: %+v %+v", r1, r2)
			}
			if again.Seq != 1 || again.Hash != r1.Hash || again.Payload["n"] != "1" {
				t.Errorf("second append of decision a returned %+v, want the stored record", again)
			}
			res, err := Verify(ctx, s)
			if err != nil || !res.OK || res.Count != 2 || res.Head != r2.Hash {
				t.Errorf("verify: %+v %v", res, err)
			}
			if _, err := s.Append(ctx, Entry{Kind: "x", WorkflowID: "w"}); err == nil {
				t.Error("an entry without decision ID was recorded")
			}
			files, err := migrations.ReadDir("migrations/" + s.d.name)
			if err != nil {
				t.Fatal(err)
			}
			if v, err := s.SchemaVersion(ctx); err != nil || v != int64(len(files)) {
				t.Errorf("schema version %d %v, want %d", v, err, len(files))
			}
		})
	}
}

// 8 writers × 1,000 decisions: one chain, no gap, no duplicate; replaying
// every decision ID adds nothing.
func TestConcurrentWriters(t *testing.T) {
	const writers, each = 8, 1000
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			// Each writer has its own connection pool, as separate
			// workers would.
			var second *SQLStore
			if s.d.name == "sqlite" {
				var err error
				path := strings.TrimPrefix(strings.SplitN(dbPath(t, s), "?", 2)[0], "file:")
				if second, err = OpenSQLite(ctx, path); err != nil {
					t.Fatal(err)
				}
				defer second.Close()
			}
			write := func(s *SQLStore, w int) error {
				for i := 0; i < each; i++ {
					if _, err := s.Append(ctx, entry(fmt.Sprintf("w%d-%d", w, i), i)); err != nil {
						return err
					}
				}
				return nil
			}
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					target := s
					if second != nil && w%2 == 1 {
						target = second
					}
					errs <- write(target, w)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			for w := 0; w < writers; w++ {
				if err := write(s, w); err != nil {
					t.Fatal(err)
				}
			}
			res, err := Verify(ctx, s)
			if err != nil || !res.OK || res.Count != writers*each {
				t.Fatalf("verify after concurrent writes: %+v %v", res, err)
			}
			seen := map[string]bool{}
			if err := s.Scan(ctx, func(r Record) error {
				if seen[r.DecisionID] {
					return fmt.Errorf("decision %s recorded twice", r.DecisionID)
				}
				seen[r.DecisionID] = true
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func dbPath(t *testing.T, s *SQLStore) string {
	t.Helper()
	var file string
	if err := s.db.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
		t.Fatal(err)
	}
	return file
}

// Tampering with a record's payload or hash, or deleting a record, is found.
func TestVerifyFindsTampering(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			cases := []struct {
				name, sql, problem string
				bad                int64
			}{
				{"payload changed", `UPDATE decisions SET payload = '{"decision":"object"}' WHERE seq = 3`, "hash does not match", 3},
				{"hash changed", `UPDATE decisions SET hash = '` + strings.Repeat("a", 64) + `' WHERE seq = 2`, "hash does not match", 2},
				{"row deleted", `DELETE FROM decisions WHERE seq = 4`, "sequence gap", 5},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					ctx := context.Background()
					s := open(t)
					for i := 1; i <= 6; i++ {
						if _, err := s.Append(ctx, entry(fmt.Sprint(i), i)); err != nil {
							t.Fatal(err)
						}
					}
					// The append-only guard refuses the change first.
					if _, err := s.db.ExecContext(ctx, c.sql); err == nil || !strings.Contains(err.Error(), "append-only") {
						t.Fatalf("tampering was not refused by the append-only guard: %v", err)
					}
					tamper(t, s, c.sql)
					res, err := Verify(ctx, s)
					if err != nil {
						t.Fatal(err)
					}
					if res.OK || res.BadSeq != c.bad || !strings.Contains(res.Problem, c.problem) {
						t.Errorf("verify = %+v, want record %d: %s", res, c.bad, c.problem)
					}
				})
			}
		})
	}
}

// tamper applies a change the way someone with direct database access
// would: by removing the append-only guard first.
func tamper(t *testing.T, s *SQLStore, change string) {
	t.Helper()
	var stmts []string
	if s.d.name == "sqlite" {
		stmts = []string{`DROP TRIGGER decisions_no_update`, `DROP TRIGGER decisions_no_delete`, change}
	} else {
		stmts = []string{`DROP TRIGGER decisions_no_change ON decisions`, change}
	}
	for _, q := range stmts {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
