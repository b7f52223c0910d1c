package ledger

import (
	"context"
	"database/sql"
	"fmt"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

var postgresDialect = dialect{
	name:     "postgres",
	numbered: true,
	// Appenders from every process queue on the table lock, so each sees
	// the head the previous one wrote; readers are not blocked.
	lockHead:   `LOCK TABLE decisions IN SHARE ROW EXCLUSIVE MODE`,
	lockSchema: `SELECT pg_advisory_xact_lock(7310420150701)`,
	migrations: []string{
		`CREATE TABLE decisions (
			seq BIGINT PRIMARY KEY,
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
		CREATE FUNCTION decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$;
		CREATE TRIGGER decisions_no_change BEFORE UPDATE OR DELETE ON decisions
			FOR EACH ROW EXECUTE FUNCTION decisions_append_only();`,
		outboxMigration,
		dispatchMigration,
		readMigration,
		boardMigration,
	},
}

// OpenPostgres connects to the ledger in PostgreSQL and applies pending
// migrations.
func OpenPostgres(ctx context.Context, dsn string) (*SQLStore, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open ledger (postgres): %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger (postgres): %w", err)
	}
	s := &SQLStore{db: db, d: postgresDialect}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger (postgres): %w", err)
	}
	return s, nil
}
