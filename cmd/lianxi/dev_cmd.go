package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"lianxi/board"
	"lianxi/bundled"
	"lianxi/devserver"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/plan"
	"lianxi/starter"
	"lianxi/taskclient"
	"lianxi/worker"
)

func (a *app) devCmd() *cobra.Command {
	var planFile string
	var pf planFlags
	cmd := &cobra.Command{
		Use: "dev",
		Example: `  lianxi dev
  lianxi dev --data ./demo --http-addr 127.0.0.1:9090 --temporal-address 127.0.0.1:7300`,
		Short: "Run everything on one machine: embedded Temporal (SQLite or PostgreSQL), worker, and the bundled plan",
		Long: `dev starts an embedded Temporal server whose state lives in <data>/temporal.db (or on
PostgreSQL with --temporal-db), a
worker with the ledger in <data>/ledger.db, and on first start launches the bundled plan
(internet-plus-2015, 25 tasks) or the plan given with --plan. Stop it with Ctrl-C; start it
again on the same data folder and every task is where it was.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDev(cmd.Context(), planFile, pf)
		},
	}
	cmd.Flags().StringVar(&planFile, "plan", "", "launch this document or structured plan on first start instead of the bundled plan")
	pf.bind(cmd)
	return cmd
}

func (a *app) runDev(ctx context.Context, planFile string, pf planFlags) error {
	a.printConfig()
	// Before anything listens: a taken address is named with its holder.
	if err := portsFree(map[string]string{"http-addr": a.cfg.HTTPAddr, "ui-addr": a.cfg.UIAddr, "metrics-addr": a.cfg.MetricsAddr}); err != nil {
		return err
	}
	stopTelemetry, err := a.startTelemetry(ctx, "lianxi-dev")
	if err != nil {
		return err
	}
	defer stopTelemetry()
	if err := os.MkdirAll(a.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	p, err := a.devPlan(planFile, pf)
	if err != nil {
		return err
	}
	srv, err := a.startTemporal()
	if err != nil {
		return err
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			a.log.Warn("stop embedded Temporal", zap.Error(err))
		}
	}()

	ui, err := a.startWebUI(srv.Address())
	if err != nil {
		return err
	}
	if ui != nil {
		defer ui.Stop()
	}

	key, err := a.useDoorKey(true)
	if err != nil {
		return err
	}
	c, err := a.dialWhenReady(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	a.useClient(c)
	if err := starter.EnsureSearchAttributes(ctx, c, a.cfg.Temporal.Namespace); err != nil {
		return err
	}
	acts, closeActs, err := a.activities(ctx)
	if err != nil {
		return err
	}
	defer closeActs()
	wopts := sdkworker.Options{}
	fatal := worker.Fatal(&wopts)
	w, err := worker.New(c, acts, key, wopts)
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	defer w.Stop()
	// A worker that dies (its namespace gone, ...) stops dev with the
	// reason, instead of a console that takes decisions nobody runs.
	ctx, stopForFatal := context.WithCancelCause(ctx)
	defer stopForFatal(nil)
	go func() {
		select {
		case err := <-fatal:
			a.log.Error("the worker stopped on a fatal error; stopping", zap.Error(err))
			stopForFatal(fmt.Errorf("the worker stopped on a fatal error: %w", err))
		case <-ctx.Done():
		}
	}()

	store, err := a.openLedger(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	tasks, err := board.Open(ctx, store)
	if err != nil {
		return err
	}
	defer a.countTasks(ctx, tasks)()
	if err := a.launchOnce(ctx, c, store, tasks, p); err != nil {
		return err
	}
	if err := a.ensureTokens(); err != nil {
		return err
	}
	// The banner promises a working system: wait until Temporal answers a
	// real query of the plan's first task.
	if err := a.waitReady(ctx, "dev"); err != nil {
		return err
	}
	first := domain.WorkflowID(p.PlanID, p.Tasks[0].No)
	if _, err := waitFor(ctx, a.log, "the status query of "+first, func() (struct{}, error) {
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_, err := a.tasks(c).Status(qctx, first)
		if errors.Is(err, taskclient.ErrNotFound) {
			err = nil // answered: the task is gone after retention
		}
		return struct{}{}, err
	}); err != nil {
		return err
	}
	a.printNextSteps(p, ui)
	err = a.serveConsole(ctx, c, store, tasks)
	a.log.Info("shutting down")
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}

// uiLine tells where the Temporal Web UI is and how to find the plan's tasks.
func uiLine(ui *devserver.WebUI, planID string) string {
	if ui == nil {
		return "Temporal Web UI: off (--ui-addr is empty).\n"
	}
	return fmt.Sprintf("Temporal Web UI: %s  — every task's history (read-only); filter with\n  LianxiPlan=%q, LianxiTaskNo, LianxiParticipants; closed tasks by LianxiStatus.\n", ui.URL(), planID)
}

func (a *app) devPlan(planFile string, pf planFlags) (*plan.Plan, error) {
	if planFile != "" {
		return pf.load(planFile)
	}
	return bundled.Plan()
}

// dialWhenReady connects to Temporal, waiting for it to serve: a process
// that starts before the server (or while it restarts) keeps trying until
// ctx ends instead of exiting.
func (a *app) dialWhenReady(ctx context.Context) (client.Client, error) {
	c, err := waitFor(ctx, a.log, "Temporal at "+a.cfg.Temporal.Address, func() (client.Client, error) {
		c, err := a.dial()
		if err != nil {
			return nil, err
		}
		if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	})
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", a.cfg.Temporal.Address, err)
	}
	return c, nil
}

// waitFor calls open until it succeeds or ctx ends, backing off up to 3 s
// and logging every tenth failure.
func waitFor[T any](ctx context.Context, log *zap.Logger, what string, open func() (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		v, err := open()
		if err == nil {
			return v, nil
		}
		if attempt%10 == 0 {
			log.Warn("waiting for "+what, zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return v, errors.Join(err, ctx.Err())
		case <-time.After(min(time.Duration(attempt)*200*time.Millisecond, 3*time.Second)):
		}
	}
}

// launchOnce launches the plan on the first start of this data folder; a
// marker file keeps later starts (and tasks deleted after retention) from
// launching it again.
func (a *app) launchOnce(ctx context.Context, c client.Client, store *ledger.SQLStore, tasks *board.Store, p *plan.Plan) error {
	marker := filepath.Join(a.cfg.DataDir, "launched", p.PlanID)
	if _, err := os.Stat(marker); err == nil {
		a.log.Info("plan already launched on this data folder", zap.String("plan", p.PlanID))
		return nil
	}
	rep, err := starter.Launch(ctx, c, starter.Specs(p, a.cfg.Defaults), starter.Options{Progress: progressLine(a.stderr, len(p.Tasks)), Ended: store.Ended, Board: tasks, Titles: store})
	if err != nil {
		return err
	}
	a.log.Info("plan launched", zap.String("plan", p.PlanID), zap.Int("started", rep.Started),
		zap.Int("already_running", rep.AlreadyRunning), zap.Int("already_closed", rep.AlreadyClosed))
	if err := os.MkdirAll(filepath.Dir(marker), 0o700); err != nil {
		return err
	}
	return os.WriteFile(marker, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o600)
}

// startWebUI serves the Temporal Web UI on the embedded server unless
// --ui-addr is empty.
func (a *app) startWebUI(temporalAddress string) (*devserver.WebUI, error) {
	if a.cfg.UIAddr == "" {
		return nil, nil
	}
	ui, err := devserver.StartWebUI(a.cfg.UIAddr, temporalAddress, a.cfg.Temporal.Namespace)
	if err != nil {
		return nil, err
	}
	a.log.Info("Temporal Web UI", zap.String("url", ui.URL()))
	return ui, nil
}

func (a *app) printNextSteps(p *plan.Plan, ui *devserver.WebUI) {
	// The example is the task with the fewest participants, and the banner
	// lists every one of them, so the commands work as printed.
	first := p.Tasks[0]
	for _, t := range p.Tasks {
		if len(t.Participants) < len(first.Participants) {
			first = t
		}
	}
	lead := first.Participants[0].ID
	id := domain.WorkflowID(p.PlanID, first.No)
	// The CLI finds this API and the tokens with the same flags.
	flags := ""
	if a.cfg.PublicURL != "http://127.0.0.1:8080" {
		flags += " --server " + a.cfg.PublicURL
	}
	if a.cfg.DataDir != "./lianxi-data" {
		flags += " --data " + a.cfg.DataDir
	}
	fmt.Fprintf(a.stdout, `
lianxi is running: plan %s, %d tasks, Temporal at %s (namespace %s), data in %s.

Web console: %s  — sign in with a token from %s
  (the office's, the auditor's, or a ministry's, e.g. "%s").
%s
Or try the CLI (a client of the same API), in another terminal:
  go run ./cmd/lianxi task list --plan %s%s
  go run ./cmd/lianxi task show %s%s
`, p.PlanID, len(p.Tasks), a.cfg.Temporal.Address, a.cfg.Temporal.Namespace, a.cfg.DataDir,
		a.cfg.PublicURL, a.cfg.TokensPath(), lead, uiLine(ui, p.PlanID), p.PlanID, flags, id, flags)
	for _, pt := range first.Participants[1:] {
		fmt.Fprintf(a.stdout, "  go run ./cmd/lianxi task sign %s --as %s --decision approve%s\n", id, pt.ID, flags)
	}
	fmt.Fprintf(a.stdout, `  go run ./cmd/lianxi task sign %s --as %s --decision approve --report "联合报告"%s   (the lead, last)
  go run ./cmd/lianxi task review %s --decision approve%s
  go run ./cmd/lianxi audit verify%s
The Temporal CLI can attach to %s. Stop with Ctrl-C.
`, id, lead, flags, id, flags, flags, a.cfg.Temporal.Address)
}
