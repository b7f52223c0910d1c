package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"lianxi/attachments"
	"lianxi/board"
	"lianxi/console"
	"lianxi/console/api"
	"lianxi/console/identity"
	"lianxi/cycles"
	"lianxi/ledger"
	"lianxi/notify"
	"lianxi/plan"
	"lianxi/workflows"
)

func (a *app) serveCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "serve",
		Example: `  lianxi serve --http-addr 0.0.0.0:8080 --public-url https://lianxi.example.gov.cn`,
		Short:   "Serve the HTTP API and web console until SIGINT or SIGTERM",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.printConfig()
			stopTelemetry, err := a.startTelemetry(cmd.Context(), "lianxi-serve")
			if err != nil {
				return err
			}
			defer stopTelemetry()
			if _, err := a.useDoorKey(false); err != nil {
				return err
			}
			c, err := a.dialWhenReady(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			a.useClient(c)
			store, err := a.openLedgerWhenReady(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			tasks, err := board.Open(cmd.Context(), store)
			if err != nil {
				return err
			}
			defer a.countTasks(cmd.Context(), tasks)()
			bg := newGroup(cmd.Context())
			defer bg.stop()
			bg.Go(func(ctx context.Context) { _ = a.waitReady(ctx, "serve") })
			return a.serveConsole(cmd.Context(), c, store, tasks)
		},
	}
}

// serveConsole runs the console on the configured address until ctx ends.
func (a *app) serveConsole(ctx context.Context, c client.Client, store *ledger.SQLStore, rows *board.Store) error {
	principals, err := identity.LoadPrincipals(a.cfg.PrincipalsFile)
	if err != nil {
		return fmt.Errorf("%w (`lianxi tokens init` or the first `lianxi dev` creates one; see the README)", err)
	}
	principals.OnReload = func(n int, err error) {
		if err != nil {
			a.log.Error("principals file changed but does not read; the previous principals stay in force", zap.String("file", a.cfg.PrincipalsFile), zap.Error(err))
			return
		}
		a.log.Info("principals reloaded", zap.String("file", a.cfg.PrincipalsFile), zap.Int("tokens", n))
	}
	outbox, err := notify.NewOutbox(ctx, store, notify.OutboxOptions{ConsoleURL: a.cfg.PublicURL})
	if err != nil {
		return err
	}
	reg, err := plan.DefaultRegistry()
	if err != nil {
		return err
	}
	files, err := attachments.OpenURL(ctx, a.cfg.Attachments, attachments.Options{
		MaxSize: int64(a.cfg.AttachmentMaxMiB) << 20, TaskQuota: int64(a.cfg.AttachmentTaskQuotaMiB) << 20,
		MinistryQuota: int64(a.cfg.AttachmentMinistryQuotaMiB) << 20, Grace: a.cfg.AttachmentGrace,
	})
	if err != nil {
		return err
	}
	defer files.Close()
	// The periodic work uses the store: it ends before serveConsole
	// returns, and so before its caller closes the store. Each piece runs
	// in one process at a time, whichever holds its lease, however many
	// serve and worker processes share the database.
	bg := newGroup(ctx)
	defer bg.stop()
	tasks := a.tasks(c)
	bg.Go(func(ctx context.Context) {
		a.runPeriodic(ctx, store, "serve", files.SweepJob(), boardJob(tasks, rows, store))
	})
	// With the ledger's public key the console hands out inclusion and
	// consistency proofs; without it (a replica with no data folder) it
	// says so.
	ledgerKey := ""
	if b, err := os.ReadFile(a.ledgerFile(ledger.PublicKeyFile)); err == nil {
		ledgerKey = strings.TrimSpace(string(b))
	}
	srv, err := console.New(ctx, console.Deps{
		Deps: api.Deps{LedgerKey: ledgerKey, Tasks: tasks, Ledger: store, Board: rows, Outbox: outbox, Principals: principals, Registry: reg,
			Attachments: files, Defaults: a.cfg.Defaults, Logger: a.log.Named("console"),
			Cycles: &cycles.Cycles{Schedules: c.ScheduleClient(), Ledger: store, TaskQueue: workflows.TaskQueue, Now: time.Now, Grant: a.grant()}},
		PublicURL: a.cfg.PublicURL, Ready: a.ready, Tracing: a.tracing,
	})
	if err != nil {
		return err
	}
	a.log.Info("console listening", zap.String("url", a.cfg.PublicURL), zap.String("addr", a.cfg.HTTPAddr))
	return srv.Run(ctx, a.cfg.HTTPAddr)
}

// ensureTokens creates the office, auditor and ministry tokens on first start.
func (a *app) ensureTokens() error {
	reg, err := plan.DefaultRegistry()
	if err != nil {
		return err
	}
	var ids []string
	for _, m := range reg.All() {
		ids = append(ids, m.ID)
	}
	created, err := identity.EnsureTokens(a.cfg.TokensPath(), a.cfg.PrincipalsFile, ids, func(id string) string {
		m, _ := reg.ByID(id)
		return m.Short
	})
	if created {
		a.log.Info("tokens created", zap.String("file", a.cfg.TokensPath()))
	}
	return err
}

// grant is the door key's grant for what the office sets up to start work
// later (a cycle's rounds); nil without a key.
func (a *app) grant() func([]byte) string {
	if len(a.doorKey) == 0 {
		return nil
	}
	return a.doorKey.Grant
}
