package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	sdkworker "go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"lianxi/activities"
	"lianxi/board"
	"lianxi/door"
	"lianxi/ledger"
	"lianxi/metrics"
	"lianxi/notify"
	"lianxi/starter"
	"lianxi/worker"
)

func (a *app) workerCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "worker",
		Example: `  lianxi worker --temporal-address temporal:7233 --ledger-dsn postgres://lianxi:PASS@db/lianxi`,
		Short:   "Run the workflows and activities against a Temporal service until SIGINT or SIGTERM",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.printConfig()
			stopTelemetry, err := a.startTelemetry(cmd.Context(), "lianxi-worker")
			if err != nil {
				return err
			}
			defer stopTelemetry()
			key, err := a.useDoorKey(false)
			if err != nil {
				return err
			}
			acts, closeActs, err := a.activities(cmd.Context())
			if err != nil {
				return err
			}
			defer closeActs()
			if rows, ok := acts.Board.(metrics.TaskBoard); ok {
				defer a.countTasks(cmd.Context(), rows)()
			}
			c, err := a.dialWhenReady(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			a.useClient(c)
			if err := starter.EnsureSearchAttributes(cmd.Context(), c, a.cfg.Temporal.Namespace); err != nil {
				a.log.Warn("search attributes not registered; an administrator may need to add them", zap.Error(err))
			}
			a.log.Info("worker running", zap.String("temporal", a.cfg.Temporal.Address), zap.String("namespace", a.cfg.Temporal.Namespace))
			bg := newGroup(cmd.Context())
			defer bg.stop()
			bg.Go(func(ctx context.Context) { _ = a.waitReady(ctx, "worker") })
			// A deployment with workers and no serve still keeps the board;
			// with both, whichever holds the lease does it.
			store, isSQL := acts.Ledger.(*ledger.SQLStore)
			rows, hasBoard := acts.Board.(*board.Store)
			if isSQL && hasBoard {
				tasks := a.tasks(c)
				bg.Go(func(ctx context.Context) { a.runPeriodic(ctx, store, "worker", boardJob(tasks, rows, store)) })
			}
			return worker.Run(cmd.Context(), c, acts, key, sdkworker.Options{})
		},
	}
}

// useDoorKey reads the door key (creating it when create is set, as
// `lianxi dev` does on first start) and signs this process's updates with it.
func (a *app) useDoorKey(create bool) (door.Key, error) {
	var key door.Key
	var err error
	if create {
		var created bool
		if key, created, err = door.EnsureKey(a.cfg.DoorKeyFile); created {
			a.log.Info("door key created", zap.String("file", a.cfg.DoorKeyFile))
		}
	} else {
		key, err = door.LoadKey(a.cfg.DoorKeyFile)
	}
	if err != nil {
		return nil, err
	}
	a.interceptors = append(a.interceptors, door.ClientInterceptor(key))
	a.doorKey = key
	return key, nil
}

func (a *app) printConfig() {
	fmt.Fprintln(a.stderr, "lianxi configuration:")
	a.cfg.Print(a.stderr)
}

// openLedger opens the configured ledger: PostgreSQL when a DSN is set,
// otherwise the SQLite file in the data folder.
func (a *app) openLedger(ctx context.Context) (*ledger.SQLStore, error) {
	if a.cfg.LedgerDSN != "" {
		return ledger.OpenPostgres(ctx, a.cfg.LedgerDSN)
	}
	if _, err := os.Stat(a.cfg.DataDir); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("data folder %s does not exist: give --data of the folder `lianxi dev` wrote (or --ledger-dsn for a PostgreSQL ledger)", a.cfg.DataDir)
	}
	return ledger.OpenSQLite(ctx, a.cfg.LedgerPath())
}

// openLedgerWhenReady is openLedger for long-running processes: while the
// ledger's PostgreSQL is unreachable (starting, restarting) it keeps trying.
// A SQLite file needs no waiting; its errors are returned at once.
func (a *app) openLedgerWhenReady(ctx context.Context) (*ledger.SQLStore, error) {
	if a.cfg.LedgerDSN == "" {
		return a.openLedger(ctx)
	}
	return waitFor(ctx, a.log, "the ledger database", func() (*ledger.SQLStore, error) { return a.openLedger(ctx) })
}

// activities wires the real ledger, outbox and board.
func (a *app) activities(ctx context.Context) (*activities.Activities, func(), error) {
	store, err := a.openLedgerWhenReady(ctx)
	if err != nil {
		return nil, nil, err
	}
	hooks, err := notify.LoadWebhooks(a.cfg.WebhooksFile)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	outbox, err := notify.NewOutbox(ctx, store, notify.OutboxOptions{Webhooks: hooks, ConsoleURL: a.cfg.PublicURL})
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	tasks, err := board.Open(ctx, store)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	// Background work on the store stops, and is waited for, before the
	// store closes.
	bg := newGroup(ctx)
	if err := a.startCheckpoints(bg, store); err != nil {
		bg.stop()
		store.Close()
		return nil, nil, err
	}
	acts := &activities.Activities{Ledger: store, Outbox: outbox, Board: tasks, Notifier: outbox, Logger: a.log.Named("activities")}
	dopts := notify.DispatchOptions{Logger: a.log.Named("dispatch")}
	if a.metrics != nil {
		acts.Observer = a.metrics
		dopts.Observer = a.metrics
	}
	// The dispatcher delivers what decisions wrote to the outbox. It stops
	// with ctx or when the returned function is called, which waits for it
	// before closing the store it reads.
	bg.Go(func(ctx context.Context) {
		if err := outbox.Dispatcher(dopts).Run(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("notification dispatcher stopped", zap.Error(err))
		}
	})
	if a.tracing != nil {
		acts.Tracer = a.tracing.Provider.Tracer("lianxi/activities")
	}
	return acts, func() { bg.stop(); store.Close() }, nil
}
