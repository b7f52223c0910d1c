package ledger

import (
	"context"
	"embed"
	"fmt"

	"lianxi/schema"
)

// migrations are the ledger's own tables (decisions, checkpoints, plans,
// leases), one folder per dialect. The tables other packages keep in the
// same database (the outbox, the board, the console's sessions) are theirs
// to migrate.
//
//go:embed migrations
var migrations embed.FS

// owner names the ledger's migrations (and its version table, goose_ledger).
const owner = "ledger"

func (s *SQLStore) migrate(ctx context.Context) error {
	return schema.Migrate(ctx, s.db, s.d.name, owner, migrations)
}

// SchemaVersion is the newest of the ledger's own migrations applied.
func (s *SQLStore) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM `+schema.VersionTable(owner)).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("ledger: schema version: %w", err)
	}
	return v, nil
}
