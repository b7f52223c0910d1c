package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"lianxi/config"
	"lianxi/logging"
	"lianxi/taskclient"
)

// app is what every subcommand shares: the configuration, output streams
// and, once built, the logger.
type app struct {
	cfg    *config.Config
	stdout io.Writer
	stderr io.Writer
	log    *zap.Logger
}

func newRoot(stdout, stderr io.Writer, getenv func(string) string) (*cobra.Command, error) {
	a := &app{cfg: &config.Config{}, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "lianxi",
		Short:         "Inter-ministry coordination tasks on Temporal",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.cfg.Validate(); err != nil {
				return err
			}
			log, err := logging.New(a.cfg.LogLevel, a.cfg.LogFormat)
			if err != nil {
				return err
			}
			a.log = log
			return nil
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := a.cfg.Bind(root.PersistentFlags(), getenv); err != nil {
		return nil, err
	}
	root.AddCommand(a.devCmd(), a.workerCmd(), a.serveCmd(), a.benchCmd(), a.probeCmd(), a.planCmd(), a.taskCmd(), a.auditCmd())
	return root, nil
}

// dial connects to the configured Temporal service.
func (a *app) dial() (client.Client, error) {
	opts, err := a.cfg.Temporal.ClientOptions()
	if err != nil {
		return nil, err
	}
	opts.Logger = logging.Temporal(a.log.Named("temporal"))
	c, err := client.Dial(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", a.cfg.Temporal.Address, err)
	}
	return c, nil
}

func (a *app) tasks(c client.Client) *taskclient.Client {
	return &taskclient.Client{C: c, Namespace: a.cfg.Temporal.Namespace}
}
