// Package devserver embeds a complete Temporal server in the lianxi process
// for `lianxi dev` and `lianxi server`: SQLite persistence in one file under
// the data folder (so tasks survive restarts), or PostgreSQL for the
// production shape; every service in-process, the frontend on a loopback
// address by default.
package devserver

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/temporal"
	"go.uber.org/zap"
)

// Options configure the embedded server.
type Options struct {
	// DataDir holds temporal.db.
	DataDir string
	// DB, when set, is a postgres:// URL: the server keeps its state there
	// instead of in DataDir, creating or upgrading the schema on start.
	DB string
	// Address is the frontend's host:port, 127.0.0.1:7233 by default.
	Address string
	// Namespace is created on first start, with SearchAttributes registered.
	Namespace        string
	Retention        time.Duration
	SearchAttributes map[string]enumspb.IndexedValueType
	// LogFile receives the server's own log (JSON, info and above); when
	// empty, warnings and errors go to Logger.
	LogFile string
	Logger  *zap.Logger
	// ArchiveDir is where Temporal archives each closed run's history
	// before retention deletes it (the filestore archiver); DataDir/archive
	// by default. The audit tools read an archived history as they read a
	// retained one.
	ArchiveDir string
	// ArchiveDelay, when positive, replaces the server's delay (up to 5
	// minutes, jittered) between a run's close and its archival.
	ArchiveDelay time.Duration
	// MetricsAddress, when set, is a HOST:PORT where the server serves its
	// own metrics in Prometheus' format (/metrics).
	MetricsAddress string
}

// ArchiveURI is the namespace's history archival URI for these options.
func (o Options) ArchiveURI() string {
	dir := o.ArchiveDir
	if dir == "" {
		dir = filepath.Join(o.DataDir, "archive")
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return "file://" + filepath.ToSlash(dir)
}

// Server is a running embedded Temporal server.
type Server struct {
	srv     temporal.Server
	address string
}

// DBPath is where the server keeps its SQLite database.
func DBPath(dataDir string) string { return filepath.Join(dataDir, "temporal.db") }

// Start creates the schema and namespace on first use, starts every
// Temporal service and returns once the namespace and its search attributes
// are usable through the frontend (a visibility count naming each succeeds).
func Start(opts Options) (*Server, error) {
	host, portStr, err := net.SplitHostPort(opts.Address)
	if err != nil {
		return nil, fmt.Errorf("embedded Temporal: address %q: %w", opts.Address, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("embedded Temporal: port %q: %w", portStr, err)
	}
	if opts.DB != "" && port+maxPortOffset > maxSmallint {
		// The cluster-membership table keeps ports as smallint; a higher
		// port makes the server exit at start.
		return nil, fmt.Errorf("embedded Temporal on PostgreSQL: frontend port %d is too high: Temporal's cluster-membership table stores ports as smallint, so the services' ports (frontend to frontend+%d) must be at most %d; choose a port at most %d",
			port, maxPortOffset, maxSmallint, maxSmallint-maxPortOffset)
	}
	if opts.LogFile != "" {
		if err := os.MkdirAll(filepath.Dir(opts.LogFile), 0o700); err != nil {
			return nil, fmt.Errorf("embedded Temporal: log folder: %w", err)
		}
	}
	serverLog, err := serverLogger(opts)
	if err != nil {
		return nil, err
	}
	logger := log.NewZapLogger(serverLog)
	var persistence config.Persistence
	if opts.DB != "" {
		if persistence, err = preparePostgres(opts, logger); err == nil {
			err = seedNamespace(persistence.DataStores[persistence.DefaultStore].SQL, opts)
		}
	} else {
		persistence, err = prepareSQLite(opts)
	}
	if err != nil {
		return nil, err
	}
	cfg, err := serverConfig(persistence, host, port, opts.ArchiveURI(), opts.MetricsAddress)
	if err != nil {
		return nil, err
	}
	pruneCtx, cancelPrune := context.WithTimeout(context.Background(), time.Minute)
	stale, err := pruneStaleMembers(pruneCtx, persistence, logger)
	cancelPrune()
	if err != nil {
		return nil, err
	}
	if stale > 0 {
		opts.Logger.Info("embedded Temporal: removed stale cluster membership entries (services of an earlier start that no longer listen)", zap.Int("entries", stale))
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dynamicConfig(opts)),
	)
	if err != nil {
		return nil, fmt.Errorf("embedded Temporal: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("embedded Temporal: start: %w", err)
	}
	s := &Server{srv: srv, address: net.JoinHostPort(host, portStr)}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The namespace was seeded before the start, with its search
	// attributes; a database from before that, or attributes added to
	// lianxi since, are completed through the frontend, as an operator
	// would.
	if err := registerNamespace(ctx, s.address, opts); err != nil {
		_ = srv.Stop()
		return nil, err
	}
	// A namespace made before archival was on (an older data folder) gets
	// it now.
	if err := enableArchival(ctx, s.address, opts, opts.Logger); err != nil {
		_ = srv.Stop()
		return nil, err
	}
	// Ready means usable: the frontend's port opened long ago, but a start
	// sent then could still be told the namespace does not exist.
	if err := waitUsable(ctx, s.address, opts); err != nil {
		_ = srv.Stop()
		return nil, err
	}
	return s, nil
}

// dynamicConfig is the server's dynamic configuration. Search attributes
// are read from each service's cache, as on any Temporal cluster: forcing
// every read to the database (system.forceSearchAttributesCacheRefreshOnRead,
// which development servers often turn on) cost about three database reads
// per task update (BENCHMARKS.md, 2026-12-01). An attribute added at start
// is usable at once all the same (TestSearchAttributeAddedAtStartIsUsableAtOnce).
func dynamicConfig(opts Options) dynamicconfig.StaticClient {
	dc := dynamicconfig.StaticClient{
		// A namespace registered or changed through the frontend is seen
		// by every service sooner.
		dynamicconfig.NamespaceCacheRefreshInterval.Key(): []dynamicconfig.ConstrainedValue{{Value: namespaceRefresh}},
	}
	if opts.ArchiveDelay > 0 {
		dc[dynamicconfig.ArchivalProcessorArchiveDelay.Key()] = []dynamicconfig.ConstrainedValue{{Value: opts.ArchiveDelay}}
	}
	return dc
}

// serverLogger keeps the server's chatter (membership changes while it
// boots, for instance) out of the operator's terminal when a file is given.
func serverLogger(opts Options) (*zap.Logger, error) {
	if opts.LogFile == "" {
		return opts.Logger.Named("temporal-server").WithOptions(zap.IncreaseLevel(zap.WarnLevel)), nil
	}
	cfg := zap.NewProductionConfig()
	cfg.OutputPaths = []string{opts.LogFile}
	cfg.ErrorOutputPaths = []string{opts.LogFile}
	cfg.Sampling = nil
	l, err := cfg.Build()
	if err != nil {
		return nil, fmt.Errorf("embedded Temporal: log file: %w", err)
	}
	return l, nil
}

// Address is the frontend's host:port.
func (s *Server) Address() string { return s.address }

// Stop stops every service; the SQLite file keeps the state.
func (s *Server) Stop() error { return s.srv.Stop() }
