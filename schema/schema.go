// Package schema applies each package's versioned SQL migrations, with
// goose, to the database the ledger opened.
//
// A package that keeps tables there (the ledger, the outbox, the board,
// the console's sessions) embeds its migrations, one folder per dialect
// (migrations/sqlite, migrations/postgres), and runs Migrate from the
// function that opens it. Each package records what it applied in a
// version table of its own (goose_<owner>), so packages migrate
// independently and a process migrates only what it opens. Processes that
// start together migrate once: PostgreSQL serializes them with a session
// advisory lock per owner, SQLite with a lock row (see lock.go). A
// database migrated by the old single ledger_schema table is adopted
// first (see legacy.go).
package schema

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// Dialects as the ledger names them (ledger.SQLStore.Dialect).
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// VersionTable is the table where owner's applied migrations are recorded.
func VersionTable(owner string) string { return "goose_" + owner }

// Migrate applies the migrations of owner not applied yet to db. fsys
// holds them as migrations/<dialect>/NNNNN_name.sql, in goose's format.
// db must be the ledger's (for SQLite, opened with _txlock=immediate, so a
// transaction takes the write lock when it begins).
func Migrate(ctx context.Context, db *sql.DB, dialect, owner string, fsys fs.FS) error {
	if err := migrate(ctx, db, dialect, owner, fsys); err != nil {
		return fmt.Errorf("migrate %s (%s): %w", owner, dialect, err)
	}
	return nil
}

func migrate(ctx context.Context, db *sql.DB, dialect, owner string, fsys fs.FS) error {
	gd, err := gooseDialect(dialect)
	if err != nil {
		return err
	}
	files, err := fs.Sub(fsys, "migrations/"+dialect)
	if err != nil {
		return err
	}
	store, err := database.NewStore(gd, VersionTable(owner))
	if err != nil {
		return err
	}
	if err := adopt(ctx, db, dialect, owner, store); err != nil {
		return err
	}
	var locker lock.SessionLocker
	switch dialect {
	case Postgres:
		// Probe once a second for up to five minutes.
		locker, err = lock.NewPostgresSessionLocker(lock.WithLockID(lockID("migrate", owner)), lock.WithLockTimeout(1, 300))
		if err != nil {
			return err
		}
	case SQLite:
		locker = newSQLiteLocker(db, VersionTable(owner))
	}
	p, err := goose.NewProvider(goose.DialectCustom, db, files,
		goose.WithStore(store), goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return err
	}
	// Not p.Close: it would close db, which the caller keeps.
	_, err = p.Up(ctx)
	return err
}

func gooseDialect(dialect string) (database.Dialect, error) {
	switch dialect {
	case SQLite:
		return database.DialectSQLite3, nil
	case Postgres:
		return database.DialectPostgres, nil
	}
	return "", fmt.Errorf("unknown SQL dialect %q (want %q or %q)", dialect, SQLite, Postgres)
}

// lockID is the PostgreSQL advisory lock of one job on one owner's schema.
func lockID(job, owner string) int64 {
	h := fnv.New64a()
	h.Write([]byte("lianxi/schema/" + job + "/" + owner))
	return int64(h.Sum64() >> 1)
}

// tableExists reports whether a table named name is in the schema db uses.
func tableExists(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, dialect, name string) (bool, error) {
	var n int
	var err error
	switch dialect {
	case Postgres:
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1`, name).Scan(&n)
	default:
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&n)
	}
	if err != nil {
		return false, fmt.Errorf("look for table %s: %w", name, err)
	}
	return n > 0, nil
}
