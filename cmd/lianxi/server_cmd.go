package main

import (
	"path/filepath"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"lianxi/devserver"
	"lianxi/workflows"
)

// serverCmd runs only the embedded Temporal server, as its own process:
// the production shape with workers and the console in separate processes
// (and the crash test's server), on SQLite or PostgreSQL.
func (a *app) serverCmd() *cobra.Command {
	return &cobra.Command{
		Use: "server",
		Example: `  lianxi server --data ./lianxi-data
  lianxi server --temporal-db postgres://temporal:PASS@db:5432/temporal`,
		Short: "Run only the embedded Temporal server (SQLite in the data folder, or PostgreSQL with --temporal-db) until SIGINT or SIGTERM",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			srv, err := a.startTemporal()
			if err != nil {
				return err
			}
			<-cmd.Context().Done()
			return srv.Stop()
		},
	}
}

// startTemporal starts the embedded server as configured: on PostgreSQL it
// first creates or upgrades the schema and then registers the namespace
// and search attributes; on SQLite it does both in the data folder.
func (a *app) startTemporal() (*embedded, error) {
	release := func() {}
	if a.cfg.TemporalDB == "" {
		// The SQLite files are this process's alone while it runs.
		var err error
		if release, err = lockData(a.cfg.DataDir); err != nil {
			return nil, err
		}
	}
	started := false
	defer func() {
		if !started {
			release()
		}
	}()
	if err := portsFree(map[string]string{"temporal-address": a.cfg.Temporal.Address}); err != nil {
		return nil, err
	}
	logFile := filepath.Join(a.cfg.DataDir, "temporal-server.log")
	srv, err := devserver.Start(devserver.Options{
		DataDir: a.cfg.DataDir, DB: a.cfg.TemporalDB, Address: a.cfg.Temporal.Address, Namespace: a.cfg.Temporal.Namespace,
		Retention: a.cfg.Retention, SearchAttributes: workflows.SearchAttributes(), Logger: a.log, LogFile: logFile,
	})
	if err != nil {
		return nil, err
	}
	store := devserver.DBPath(a.cfg.DataDir)
	if a.cfg.TemporalDB != "" {
		v, vv := devserver.SchemaVersions()
		store = "PostgreSQL (schema " + v + ", visibility " + vv + ")"
	}
	a.log.Info("embedded Temporal running", zap.String("address", srv.Address()), zap.String("store", store), zap.String("log", logFile))
	started = true
	return &embedded{Server: srv, release: release}, nil
}

// embedded is the running embedded server and the data folder it holds.
type embedded struct {
	*devserver.Server
	release func()
}

// Stop stops the server, then lets the data folder go.
func (e *embedded) Stop() error {
	err := e.Server.Stop()
	e.release()
	return err
}
