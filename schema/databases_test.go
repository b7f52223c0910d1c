package schema_test

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
	"lianxi/schema"
)

// database is one fresh database on one backend: raw opens a plain
// handle (as an older lianxi would have), open the ledger on it.
type database struct {
	dialect string
	raw     func(t *testing.T) *sql.DB
	open    func(ctx context.Context) (*ledger.SQLStore, error)
}

// databases gives a fresh database on every backend: a SQLite file and,
// where the test command started one (scripts/postgres.sh), PostgreSQL.
func databases(t *testing.T) map[string]func(t *testing.T) database {
	out := map[string]func(t *testing.T) database{
		schema.SQLite: func(t *testing.T) database {
			path := filepath.Join(t.TempDir(), "ledger.db")
			return database{dialect: schema.SQLite,
				raw:  func(t *testing.T) *sql.DB { return rawOpen(t, "sqlite", "file:"+path) },
				open: func(ctx context.Context) (*ledger.SQLStore, error) { return ledger.OpenSQLite(ctx, path) }}
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
	out[schema.Postgres] = func(t *testing.T) database {
		admin := rawOpen(t, "pgx", dsn)
		name := fmt.Sprintf("lianxi_schema_%d", time.Now().UnixNano())
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
		return database{dialect: schema.Postgres,
			raw:  func(t *testing.T) *sql.DB { return rawOpen(t, "pgx", u.String()) },
			open: func(ctx context.Context) (*ledger.SQLStore, error) { return ledger.OpenPostgres(ctx, u.String()) }}
	}
	return out
}

func rawOpen(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
