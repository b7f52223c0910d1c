package schema

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3/database"
)

// legacyTable is where the ledger package recorded, until goose, the one
// list of migrations it applied for every table in its database.
const legacyTable = "ledger_schema"

// legacy says where each version of the old ledger_schema list went: the
// owner that now creates the same tables and the goose version that does.
// A database migrated by the old list holds the result of versions
// 1..N; adopt marks the goose versions of those as applied, so nothing is
// created twice.
var legacy = []struct {
	old     int
	owner   string
	version int64
}{
	{1, "ledger", 1},  // decisions, its index and append-only triggers
	{2, "notify", 1},  // outbox
	{3, "notify", 2},  // outbox: next_attempt, lease_until
	{4, "notify", 3},  // outbox: read_at
	{5, "board", 1},   // board
	{6, "ledger", 2},  // checkpoints
	{7, "ledger", 3},  // plans
	{8, "console", 1}, // sessions
	{9, "ledger", 4},  // leases
}

// adopt gives owner the goose versions that stand for what the old
// ledger_schema list applied, when the database has that list and owner
// has no version table yet. It runs in one transaction that holds the
// database's write lock (SQLite) or an advisory lock (PostgreSQL), so two
// processes never both adopt; and before any goose call, so goose never
// sees an owner's version table that adoption has not filled.
func adopt(ctx context.Context, db *sql.DB, dialect, owner string, store database.Store) error {
	var mine []int
	for _, l := range legacy {
		if l.owner == owner {
			mine = append(mine, l.old)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	// A quick look without a transaction: most opens have nothing to adopt.
	if ok, err := tableExists(ctx, db, dialect, legacyTable); err != nil || !ok {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("adopt %s: %w", legacyTable, err)
	}
	defer func() { _ = tx.Rollback() }()
	if dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lockID("adopt", owner)); err != nil {
			return fmt.Errorf("adopt %s: lock: %w", legacyTable, err)
		}
	}
	if ok, err := tableExists(ctx, tx, dialect, store.Tablename()); err != nil || ok {
		return err
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM `+legacyTable).Scan(&current); err != nil {
		return fmt.Errorf("adopt %s: read version: %w", legacyTable, err)
	}
	if current < mine[0] {
		return nil
	}
	if err := store.CreateVersionTable(ctx, tx); err != nil {
		return fmt.Errorf("adopt %s: %w", legacyTable, err)
	}
	if err := store.Insert(ctx, tx, database.InsertRequest{Version: 0}); err != nil {
		return fmt.Errorf("adopt %s: %w", legacyTable, err)
	}
	for _, l := range legacy {
		if l.owner != owner || l.old > current {
			continue
		}
		if err := store.Insert(ctx, tx, database.InsertRequest{Version: l.version}); err != nil {
			return fmt.Errorf("adopt %s version %d as %s version %d: %w", legacyTable, l.old, owner, l.version, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("adopt %s: %w", legacyTable, err)
	}
	return nil
}
