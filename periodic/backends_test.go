package periodic

import (
	"context"
	"path/filepath"
	"testing"

	"lianxi/ledger"
	"lianxi/testkit"
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
	dsn := testkit.PostgresDSN(t)
	if dsn == "" {
		return out
	}
	out["postgres"] = func(t *testing.T, n int) []*Leases {
		db := testkit.FreshDatabase(t, dsn)
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
