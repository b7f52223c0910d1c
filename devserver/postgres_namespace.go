package devserver

import (
	"fmt"

	"go.temporal.io/server/common/config"
	"go.temporal.io/server/schema/sqlite"
	"google.golang.org/protobuf/types/known/durationpb"

	enumspb "go.temporal.io/api/enums/v1"
)

// seedNamespace writes the namespace, with its search attributes' column
// mapping, retention and archival, into the store's namespaces table
// before any service starts, as prepareSQLite does: the services load it
// at start, so the frontend's port never answers for a server that does
// not know its namespace yet. Temporal's helper for this lives under its
// SQLite schema but writes through whichever SQL plugin the configuration
// names; it leaves an existing namespace alone, and a second server
// seeding the same database at once finds the first one's row on a second
// try.
func seedNamespace(sqlCfg *config.SQL, opts Options) error {
	ns, err := sqlite.NewNamespaceConfig("active", opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return fmt.Errorf("embedded Temporal: namespace %s: %w", opts.Namespace, err)
	}
	ns.Detail.Config.Retention = durationpb.New(opts.Retention)
	ns.Detail.Config.HistoryArchivalState = enumspb.ARCHIVAL_STATE_ENABLED
	ns.Detail.Config.HistoryArchivalUri = opts.ArchiveURI()
	if err = sqlite.CreateNamespaces(sqlCfg, ns); err != nil {
		err = sqlite.CreateNamespaces(sqlCfg, ns)
	}
	if err != nil {
		return fmt.Errorf("embedded Temporal: register namespace %s in the database: %w", opts.Namespace, err)
	}
	return nil
}
