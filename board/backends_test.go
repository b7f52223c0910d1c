package board

import (
	"context"
	"path/filepath"
	"testing"

	"lianxi/ledger"
	"lianxi/testkit"
)

// backends opens a fresh ledger and its board on every backend: a SQLite
// file and, where the test command started one (scripts/postgres.sh), a
// PostgreSQL database of the test's own.
func backends(t testing.TB) map[string]func(t testing.TB) (*ledger.SQLStore, *Store) {
	withBoard := func(t testing.TB, s *ledger.SQLStore) (*ledger.SQLStore, *Store) {
		t.Cleanup(func() { s.Close() })
		b, err := Open(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		return s, b
	}
	out := map[string]func(t testing.TB) (*ledger.SQLStore, *Store){
		"sqlite": func(t testing.TB) (*ledger.SQLStore, *Store) {
			s, err := ledger.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
			if err != nil {
				t.Fatal(err)
			}
			return withBoard(t, s)
		},
	}
	dsn := testkit.PostgresDSN(t)
	if dsn == "" {
		return out
	}
	out["postgres"] = func(t testing.TB) (*ledger.SQLStore, *Store) {
		s, err := ledger.OpenPostgres(context.Background(), testkit.FreshDatabase(t, dsn))
		if err != nil {
			t.Fatal(err)
		}
		return withBoard(t, s)
	}
	return out
}
