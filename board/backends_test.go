package board

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

// backends opens a fresh ledger and its board on every backend: a SQLite
// file and, where the test command started one (scripts/postgres.sh), a
// PostgreSQL database of the test's own.
func backends(t *testing.T) map[string]func(t *testing.T) (*ledger.SQLStore, *Store) {
	withBoard := func(t *testing.T, s *ledger.SQLStore) (*ledger.SQLStore, *Store) {
		t.Cleanup(func() { s.Close() })
		b, err := Open(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		return s, b
	}
	out := map[string]func(t *testing.T) (*ledger.SQLStore, *Store){
		"sqlite": func(t *testing.T) (*ledger.SQLStore, *Store) {
			s, err := ledger.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
			if err != nil {
				t.Fatal(err)
			}
			return withBoard(t, s)
		},
	}
	dsn := os.Getenv("LIANXI_TEST_PG_DSN")
	if dsn == "" {
		if os.Getenv("LIANXI_REQUIRE_PG") != "" {
			t.Fatal("LIANXI_REQUIRE_PG is set but LIANXI_TEST_PG_DSN is empty")
		}
		t.Log("PostgreSQL backend not tested: LIANXI_TEST_PG_DSN is empty (./scripts/test.sh starts a server)")
		return out
	}
	out["postgres"] = func(t *testing.T) (*ledger.SQLStore, *Store) {
		s, err := ledger.OpenPostgres(context.Background(), freshDatabase(t, dsn))
		if err != nil {
			t.Fatal(err)
		}
		return withBoard(t, s)
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
	name := fmt.Sprintf("lianxi_board_%d", time.Now().UnixNano())
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
