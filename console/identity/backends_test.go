package identity

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

// sharedDatabases gives, for every backend, a way to open handles on one
// fresh database: each handle is what one console process would open.
// PostgreSQL is tested where the test command started it.
func sharedDatabases(t *testing.T) map[string]func(t *testing.T) func() *ledger.SQLStore {
	keep := func(t *testing.T, s *ledger.SQLStore, err error) *ledger.SQLStore {
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	out := map[string]func(t *testing.T) func() *ledger.SQLStore{
		"sqlite": func(t *testing.T) func() *ledger.SQLStore {
			path := filepath.Join(t.TempDir(), "ledger.db")
			return func() *ledger.SQLStore {
				s, err := ledger.OpenSQLite(context.Background(), path)
				return keep(t, s, err)
			}
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
	out["postgres"] = func(t *testing.T) func() *ledger.SQLStore {
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		name := fmt.Sprintf("lianxi_identity_%d", time.Now().UnixNano())
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
		return func() *ledger.SQLStore {
			s, err := ledger.OpenPostgres(context.Background(), u.String())
			return keep(t, s, err)
		}
	}
	return out
}
