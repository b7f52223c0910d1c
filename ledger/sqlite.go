package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

var sqliteDialect = dialect{
	name: "sqlite",
	migrations: []string{
		`CREATE TABLE decisions (
			seq INTEGER PRIMARY KEY,
			decision_id TEXT NOT NULL UNIQUE,
			workflow_id TEXT NOT NULL,
			run_id TEXT NOT NULL,
			plan_id TEXT NOT NULL,
			task_no TEXT NOT NULL,
			round INTEGER NOT NULL,
			kind TEXT NOT NULL,
			ministry TEXT NOT NULL,
			person TEXT NOT NULL,
			payload TEXT NOT NULL,
			at TEXT NOT NULL,
			prev_hash TEXT NOT NULL,
			hash TEXT NOT NULL
		);
		CREATE INDEX decisions_workflow ON decisions (workflow_id, seq);
		CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
		CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;`,
		outboxMigration,
		dispatchMigration,
		readMigration,
		boardMigration,
		checkpointMigration,
		plansMigration,
		sessionsMigration,
		leaseMigration,
	},
}

// OpenSQLite opens (creating if needed) the ledger file at path and applies
// pending migrations.
//
// Several processes may append to the same file: every transaction takes
// SQLite's write lock when it begins.
func OpenSQLite(ctx context.Context, path string) (*SQLStore, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	// Every append is on disk before the caller gets its receipt.
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	s := &SQLStore{db: db, d: sqliteDialect}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	return s, nil
}
