package periodic

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lianxi/ledger"
)

// backends gives, for every backend, a way to open a fresh database with
// the leases table (made by the ledger's migrations) and then n handles
// on it, each its own pool of connections, as n processes sharing it
// would: a SQLite file and, where the test command started one
// (scripts/postgres.sh), a PostgreSQL database of the test's own.
func backends(t *testing.T) map[string]func(t *testing.T, n int) []*Leases {
	out := map[string]func(t *testing.T, n int) []*Leases{
		"sqlite": func(t *testing.T, n int) []*Leases {
			path := filepath.Join(t.TempDir(), "ledger.db")
			return handles(t, n, func() (*ledger.SQLStore, error) { return ledger.OpenSQLite(context.Background(), path) })
		},
	}
	dsn := os.Getenv("LIANXI_TEST_PG_DSN")
	if dsn == "" {
		if os.Getenv("LIANXI_REQUIRE_PG") != "" {
			t.Fatal("LIANXI_REQUIRE_PG is set but LIANXI_TEST_PG_DSN is empty: the test command should have started PostgreSQL")
		}
		t.Log("PostgreSQL backend not tested: LIANXI_TEST_PG_DSN is empty (./scripts/test.sh starts a server)")
		return out
	}
	out["postgres"] = func(t *testing.T, n int) []*Leases {
		db := freshDatabase(t, dsn)
		return handles(t, n, func() (*ledger.SQLStore, error) { return ledger.OpenPostgres(context.Background(), db) })
	}
	return out
}

func handles(t *testing.T, n int, open func() (*ledger.SQLStore, error)) []*Leases {
	t.Helper()
	out := make([]*Leases, n)
	for i := range out {
		s, err := open()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = NewLeases(s)
	}
	return out
}

// freshDatabase creates a database dropped when the test ends and returns
// its DSN.
func freshDatabase(t *testing.T, dsn string) string {
	t.Helper()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("lianxi_periodic_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("pgx", dsn); err == nil {
			_, _ = a.Exec("DROP DATABASE " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
