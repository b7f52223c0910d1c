package bench

import (
	"context"
	"fmt"

	"lianxi/devserver"
	"lianxi/ledger"
)

// openPostgresLedger opens the ledger in the database beside Temporal's.
func openPostgresLedger(ctx context.Context, temporalDB string) (*ledger.SQLStore, error) {
	pc, err := devserver.ParsePostgresURL(temporalDB)
	if err != nil {
		return nil, err
	}
	dsn, err := devserver.SiblingDatabase(ctx, temporalDB, pc.Default.DatabaseName+"_ledger")
	if err != nil {
		return nil, fmt.Errorf("bench ledger: %w", err)
	}
	return ledger.OpenPostgres(ctx, dsn)
}
