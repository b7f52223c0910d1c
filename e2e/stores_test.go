package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"lianxi/bundled"
	"lianxi/plan"
)

// crashStore is where the crash test's Temporal server keeps its state,
// and the plan driven through it.
type crashStore struct {
	// serverArgs are added to `lianxi server`.
	serverArgs func(pg *postgres) []string
	plan       func(t *testing.T) plan.Plan
}

// onPostgres is the production shape: Temporal on PostgreSQL (its own
// database beside the ledger's, on the server the test restarts), driving
// the bundled plan.
var onPostgres = crashStore{
	serverArgs: func(pg *postgres) []string {
		return []string{"--temporal-db", strings.Replace(pg.dsn, "/postgres?", "/temporal?", 1)}
	},
	plan: func(t *testing.T) plan.Plan {
		p, err := bundled.Plan()
		if err != nil {
			t.Fatal(err)
		}
		return *p
	},
}

// onSQLite is `lianxi server`'s default: Temporal's SQLite file in the data
// folder, killed mid-write; a smaller plan of 25 tasks of three ministries.
var onSQLite = crashStore{
	serverArgs: func(*postgres) []string { return nil },
	plan: func(*testing.T) plan.Plan {
		var p plan.Plan
		_ = json.Unmarshal(crashPlan(), &p)
		return p
	},
}
