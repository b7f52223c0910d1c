package main

import (
	"path/filepath"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"lianxi/devserver"
	"lianxi/workflows"
)

// serverCmd runs only the embedded Temporal server, as its own process:
// the single-machine shape with workers and the console in separate
// processes (and the crash test's server).
func (a *app) serverCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "server",
		Short: "Run only the embedded Temporal server (SQLite in the data folder) until SIGINT or SIGTERM",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			srv, err := devserver.Start(devserver.Options{
				DataDir: a.cfg.DataDir, Address: a.cfg.Temporal.Address, Namespace: a.cfg.Temporal.Namespace,
				Retention: a.cfg.Retention, SearchAttributes: workflows.SearchAttributes(), Logger: a.log,
				LogFile: filepath.Join(a.cfg.DataDir, "temporal-server.log"),
			})
			if err != nil {
				return err
			}
			a.log.Info("embedded Temporal running", zap.String("address", srv.Address()))
			<-cmd.Context().Done()
			return srv.Stop()
		},
	}
}
