package devserver

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence"
	persistencesql "go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	"go.temporal.io/server/common/resolver"
)

// pruneStaleMembers removes the cluster membership entries of services
// that no longer listen: those of an earlier start on other ports, or of a
// server that was killed. Left in place, the new services try to join them
// and route shards to them until the entries expire, so queries and updates
// time out for the first half minute or more although the frontend answers.
// Entries of services that still accept connections are kept.
func pruneStaleMembers(ctx context.Context, persistenceCfg config.Persistence, logger log.Logger) (int, error) {
	store := persistenceCfg.DataStores[persistenceCfg.DefaultStore]
	db, err := persistencesql.NewSQLDB(sqlplugin.DbKindMain, store.SQL, resolver.NewNoopResolver(), logger, metrics.NoopMetricsHandler)
	if err != nil {
		return 0, fmt.Errorf("embedded Temporal: open membership: %w", err)
	}
	defer db.Close()
	now := time.Now()
	rows, err := db.GetClusterMembers(ctx, &sqlplugin.ClusterMembershipFilter{RoleEquals: persistence.All, RecordExpiryAfter: now, MaxRecordCount: 1000})
	if err != nil {
		return 0, fmt.Errorf("embedded Temporal: read membership: %w", err)
	}
	alive := map[string]bool{}
	stale := 0
	past := time.Unix(1, 0).UTC()
	for _, row := range rows {
		addr := net.JoinHostPort(row.RPCAddress, strconv.Itoa(int(row.RPCPort)))
		up, seen := alive[addr]
		if !seen {
			up = listening(addr)
			alive[addr] = up
		}
		if up {
			continue
		}
		row.RecordExpiry, row.LastHeartbeat = past, past
		if _, err := db.UpsertClusterMembership(ctx, &row); err != nil {
			return stale, fmt.Errorf("embedded Temporal: expire membership of %s: %w", addr, err)
		}
		stale++
	}
	if stale > 0 {
		if _, err := db.PruneClusterMembership(ctx, &sqlplugin.PruneClusterMembershipFilter{PruneRecordsBefore: now}); err != nil {
			return stale, fmt.Errorf("embedded Temporal: prune membership: %w", err)
		}
	}
	return stale, nil
}

func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
