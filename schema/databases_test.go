package schema_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"lianxi/ledger"
	"lianxi/schema"
	"lianxi/testkit"
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
	dsn := testkit.PostgresDSN(t)
	if dsn == "" {
		return out
	}
	out[schema.Postgres] = func(t *testing.T) database {
		db := testkit.FreshDatabase(t, dsn)
		return database{dialect: schema.Postgres,
			raw:  func(t *testing.T) *sql.DB { return rawOpen(t, "pgx", db) },
			open: func(ctx context.Context) (*ledger.SQLStore, error) { return ledger.OpenPostgres(ctx, db) }}
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
