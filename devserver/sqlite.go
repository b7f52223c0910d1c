package devserver

import (
	"errors"
	"fmt"
	"os"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/config"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/schema/sqlite"
	"google.golang.org/protobuf/types/known/durationpb"
)

// prepareSQLite creates the SQLite file and the namespace on first use.
func prepareSQLite(opts Options) (config.Persistence, error) {
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return config.Persistence{}, fmt.Errorf("embedded Temporal: data folder: %w", err)
	}
	sqlCfg := &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: DBPath(opts.DataDir),
		// Keys other than the driver's own become PRAGMAs. WAL lets readers
		// run beside the one writer, so the pool may hold a few connections;
		// synchronous=normal is durable across process crashes in WAL mode
		// (a power cut may lose the last commits).
		ConnectAttributes: map[string]string{
			"mode": "rwc", "journal_mode": "wal", "synchronous": "normal", "busy_timeout": "10000",
		},
		MaxConns:     4,
		MaxIdleConns: 4,
	}
	if _, err := os.Stat(sqlCfg.DatabaseName); errors.Is(err, os.ErrNotExist) {
		if err := sqlite.SetupSchema(sqlCfg); err != nil {
			return config.Persistence{}, fmt.Errorf("embedded Temporal: create schema: %w", err)
		}
	}
	ns, err := sqlite.NewNamespaceConfig("active", opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return config.Persistence{}, fmt.Errorf("embedded Temporal: namespace: %w", err)
	}
	ns.Detail.Config.Retention = durationpb.New(opts.Retention)
	ns.Detail.Config.HistoryArchivalState = enumspb.ARCHIVAL_STATE_ENABLED
	ns.Detail.Config.HistoryArchivalUri = opts.ArchiveURI()
	if err := sqlite.CreateNamespaces(sqlCfg, ns); err != nil {
		return config.Persistence{}, fmt.Errorf("embedded Temporal: namespace: %w", err)
	}
	return config.Persistence{
		DefaultStore:     sqliteplugin.PluginName,
		VisibilityStore:  sqliteplugin.PluginName,
		NumHistoryShards: 1,
		DataStores:       map[string]config.DataStore{sqliteplugin.PluginName: {SQL: sqlCfg}},
	}, nil
}
