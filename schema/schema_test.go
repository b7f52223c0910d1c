package schema_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lianxi/board"
	"lianxi/console"
	"lianxi/console/api"
	"lianxi/console/identity"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/notify"
	"lianxi/periodic"
	"lianxi/schema"
)

// openAll opens what a serve process opens on the database: the ledger,
// the outbox, the board and the console (its sessions).
func openAll(ctx context.Context, t *testing.T, d database, withConsole bool) (*ledger.SQLStore, *board.Store, error) {
	store, err := d.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	t.Cleanup(func() { store.Close() })
	if _, err := notify.NewOutbox(ctx, store, notify.OutboxOptions{}); err != nil {
		return nil, nil, err
	}
	b, err := board.Open(ctx, store)
	if err != nil {
		return nil, nil, err
	}
	if withConsole {
		dir := t.TempDir()
		pr := filepath.Join(dir, "principals.json")
		if _, err := identity.EnsureTokens(filepath.Join(dir, "tokens.json"), pr, []string{"ndrc"}, nil); err != nil {
			t.Fatal(err)
		}
		p, err := identity.LoadPrincipals(pr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := console.New(ctx, console.Deps{Deps: api.Deps{Ledger: store, Principals: p}}); err != nil {
			return nil, nil, err
		}
	}
	return store, b, nil
}

// versions lists owner's applied goose versions, failing on a version
// recorded twice.
func versions(t *testing.T, db *sql.DB, owner string) []int64 {
	t.Helper()
	rows, err := db.Query(`SELECT version_id FROM ` + schema.VersionTable(owner) + ` ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	seen := map[int64]bool{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		if seen[v] {
			t.Errorf("%s: version %d recorded twice", owner, v)
		}
		seen[v] = true
		out = append(out, v)
	}
	return out
}

// buildOld lays out a database as an older lianxi left it: the old
// migrations 1..upTo recorded in ledger_schema, three chained records and
// a row in every other table that exists at upTo.
func buildOld(t *testing.T, db *sql.DB, dialect string, upTo int) []ledger.Record {
	t.Helper()
	list := append([]string{oldDecisionsSQLite}, oldShared...)
	if dialect == schema.Postgres {
		list[0] = oldDecisionsPostgres
	}
	exec := func(q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	exec(`CREATE TABLE ledger_schema (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`)
	for v := 1; v <= upTo; v++ {
		exec(list[v-1])
		exec(fmt.Sprintf(`INSERT INTO ledger_schema (version, applied_at) VALUES (%d, '2026-01-01T00:00:00Z')`, v))
	}
	var recs []ledger.Record
	prev := ledger.GenesisHash
	for i, kind := range []string{domain.KindAssigned, domain.KindSignOff, domain.KindProgress} {
		e := ledger.Entry{DecisionID: fmt.Sprintf("p/1.1/d%d", i), WorkflowID: "p/1.1", RunID: "run", PlanID: "p", TaskNo: "1.1",
			Round: 1, Kind: kind, Ministry: "ndrc", Person: "张三", Payload: map[string]string{"n": fmt.Sprint(i)},
			At: time.Date(2026, 1, 2, 9, 0, i, 0, time.UTC)}
		r := ledger.Record{Seq: int64(i + 1), Entry: e, PrevHash: prev}
		r.Hash = ledger.ComputeHash(r.Seq, e, prev)
		payload, _ := json.Marshal(e.Payload)
		exec(fmt.Sprintf(`INSERT INTO decisions (seq, decision_id, workflow_id, run_id, plan_id, task_no, round, kind, ministry, person, payload, at, prev_hash, hash)
			VALUES (%d, '%s', 'p/1.1', 'run', 'p', '1.1', 1, '%s', 'ndrc', '张三', '%s', '%s', '%s', '%s')`,
			r.Seq, e.DecisionID, kind, payload, e.At.Format(time.RFC3339Nano), prev, r.Hash))
		recs, prev = append(recs, r), r.Hash
	}
	if upTo >= 4 {
		exec(`INSERT INTO outbox (id, recipient, kind, plan_id, task_no, title, round, due, detail, text, state, attempts, last_error, created_at)
			VALUES ('n1', 'ndrc', 'assignment', 'p', '1.1', '任务', 1, '', '', '请办理', 'stored', 0, '', '2026-01-02T09:00:00Z')`)
	}
	if upTo >= 5 {
		exec(`INSERT INTO board (workflow_id, plan_id, task_no, title, status, round, lead, participants, pending, due, warning_window_s, decisions, updated_at)
			VALUES ('p/1.1', 'p', '1.1', '任务', 'signing', 1, 'ndrc', ',ndrc,', ',ndrc,', '2026-12-31T00:00:00Z', 0, 3, '2026-01-02T09:00:02Z')`)
	}
	if upTo >= 7 {
		exec(`INSERT INTO plans (plan_id, title, updated_at) VALUES ('p', '旧规划', '2026-01-02T09:00:00Z')`)
	}
	if upTo >= 8 {
		exec(`INSERT INTO sessions (id_sha256, token_sha256, csrf, created, expires) VALUES ('s', 't', 'c', 1, 9000000000000000000)`)
	}
	if upTo >= 9 {
		exec(`INSERT INTO leases (name, holder, until) VALUES ('sweep', 'old', 9000000000000000000)`)
	}
	return recs
}

func count(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A database migrated by the old ledger_schema list, fully (9) or part
// way (5: before checkpoints, plans, sessions and leases), opens with the
// goose migrations: nothing is created twice or lost, the chain still
// verifies, the append-only triggers still refuse an edit, what the old
// list lacked is created, and a second open changes nothing.
func TestOldDatabaseIsAdopted(t *testing.T) {
	for name, fresh := range databases(t) {
		for _, upTo := range []int{9, 5} {
			t.Run(fmt.Sprintf("%s/version%d", name, upTo), func(t *testing.T) {
				ctx := context.Background()
				d := fresh(t)
				raw := d.raw(t)
				recs := buildOld(t, raw, d.dialect, upTo)
				store, b, err := openAll(ctx, t, d, true)
				if err != nil {
					t.Fatalf("open an old database with the new code: %v", err)
				}
				res, err := ledger.Verify(ctx, store)
				if err != nil || !res.OK || res.Count != 3 || res.Head != recs[2].Hash {
					t.Fatalf("verify after adoption: %+v %v", res, err)
				}
				if _, err := raw.Exec(`UPDATE decisions SET kind = 'x' WHERE seq = 1`); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("an edit of a record was not refused as append-only: %v", err)
				}
				r, err := store.Append(ctx, ledger.Entry{DecisionID: "p/1.1/d3", WorkflowID: "p/1.1", PlanID: "p", TaskNo: "1.1", Round: 1,
					Kind: domain.KindProgress, Ministry: "ndrc", At: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)})
				if err != nil || r.Seq != 4 || r.PrevHash != recs[2].Hash {
					t.Fatalf("append after adoption: %+v %v", r, err)
				}
				if n := count(t, raw, "outbox"); n != 1 {
					t.Errorf("%d outbox rows, want the old one", n)
				}
				rows, err := b.List(ctx, board.Filter{})
				if err != nil || len(rows) != 1 || rows[0].Decisions != 3 || rows[0].Pending[0] != "ndrc" {
					t.Errorf("board after adoption: %+v %v", rows, err)
				}
				titles, err := store.PlanTitles(ctx)
				if err != nil {
					t.Fatal(err)
				}
				wantSessions, wantTitle, wantHolder := 0, "", ""
				if upTo == 9 {
					wantSessions, wantTitle, wantHolder = 1, "旧规划", "old"
				}
				if n := count(t, raw, "sessions"); n != wantSessions {
					t.Errorf("%d sessions, want %d", n, wantSessions)
				}
				if titles["p"] != wantTitle {
					t.Errorf("plan title %q, want %q", titles["p"], wantTitle)
				}
				if h, err := periodic.NewLeases(store).LeaseHolder(ctx, "sweep", time.Now()); err != nil || h != wantHolder {
					t.Errorf("lease holder %q (%v), want %q", h, err, wantHolder)
				}
				if n := count(t, raw, "checkpoints"); n != 0 {
					t.Errorf("%d checkpoints", n)
				}
				want := map[string]string{"ledger": "[0 1 2 3 4 5]", "notify": "[0 1 2 3]", "board": "[0 1 2]", "console": "[0 1]"}
				for owner, w := range want {
					if got := fmt.Sprint(versions(t, raw, owner)); got != w {
						t.Errorf("%s versions %s, want %s", owner, got, w)
					}
				}
				// Opening again finds everything applied.
				if _, _, err := openAll(ctx, t, d, true); err != nil {
					t.Fatalf("second open: %v", err)
				}
				for owner, w := range want {
					if got := fmt.Sprint(versions(t, raw, owner)); got != w {
						t.Errorf("after a second open: %s versions %s, want %s", owner, got, w)
					}
				}
			})
		}
	}
}

// Processes that open a fresh database at the same moment migrate it once:
// every open succeeds and each version is recorded once.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	for name, fresh := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			d := fresh(t)
			const n = 8
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _, errs[i] = openAll(ctx, t, d, false)
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("open %d: %v", i, err)
				}
			}
			raw := d.raw(t)
			for owner, w := range map[string]string{"ledger": "[0 1 2 3 4 5]", "notify": "[0 1 2 3]", "board": "[0 1 2]"} {
				if got := fmt.Sprint(versions(t, raw, owner)); got != w {
					t.Errorf("%s versions %s, want %s", owner, got, w)
				}
			}
		})
	}
}
