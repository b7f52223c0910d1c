package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"lianxi/door"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.uber.org/zap"

	"lianxi/config"
	"lianxi/logging"
	"lianxi/metrics"
	"lianxi/taskclient"
	"lianxi/tracing"
)

// app is what every subcommand shares: the configuration, output streams
// and, once built, the logger.
type app struct {
	// doorKey is the door key once loaded (useDoorKey).
	doorKey door.Key
	cfg     *config.Config
	stdout  io.Writer
	stderr  io.Writer
	log     *zap.Logger
	// metrics is set by long-running commands that serve /metrics.
	metrics *metrics.Metrics
	// client is the connected Temporal client, for the health check.
	client atomic.Value
	// interceptors are added to every Temporal client dial makes: the API
	// signs principals with the door key.
	interceptors []interceptor.ClientInterceptor
	// tracing is set when the environment names an OTLP endpoint.
	tracing *tracing.Tracing
	getenv  func(string) string
}

func newRoot(stdout, stderr io.Writer, getenv func(string) string) (*cobra.Command, error) {
	a := &app{cfg: &config.Config{}, stdout: stdout, stderr: stderr, getenv: getenv}
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
	root.AddCommand(a.devCmd(), a.workerCmd(), a.serveCmd(), a.serverCmd(), a.benchCmd(), a.probeCmd(), a.planCmd(), a.taskCmd(), a.cycleCmd(), a.auditCmd(), a.tokensCmd(), a.optionsCmd())
	filterHelp(root)
	return root, nil
}

// dial connects to the configured Temporal service.
func (a *app) dial() (client.Client, error) {
	opts, err := a.cfg.Temporal.ClientOptions()
	if err != nil {
		return nil, err
	}
	opts.Logger = logging.Temporal(a.log.Named("temporal"))
	if a.tracing != nil {
		// First, so the door's header is written inside the update's span.
		opts.Interceptors = append(opts.Interceptors, a.tracing.Interceptor)
	}
	opts.Interceptors = append(opts.Interceptors, a.interceptors...)
	if a.metrics != nil {
		opts.MetricsHandler = a.metrics.SDK()
	}
	c, err := client.Dial(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", a.cfg.Temporal.Address, err)
	}
	return c, nil
}

// startTelemetry starts tracing when the environment asks for it, and
// serves /metrics and /healthz when configured, keeping the tasks gauge
// current from visibility. The returned function flushes what is buffered.
func (a *app) startTelemetry(ctx context.Context, service string) (func(), error) {
	t, err := tracing.Setup(ctx, service, a.getenv)
	if err != nil {
		return nil, err
	}
	a.tracing = t
	if t != nil {
		a.log.Info("tracing on: spans go to the OTLP endpoint in OTEL_EXPORTER_OTLP_ENDPOINT")
	}
	stop := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.tracing.Shutdown(sctx); err != nil {
			a.log.Warn("flush traces", zap.Error(err))
		}
	}
	if a.cfg.MetricsAddr == "" {
		return stop, nil
	}
	m, err := metrics.New(func(err error) { a.log.Warn("SDK metric", zap.Error(err)) })
	if err != nil {
		return nil, err
	}
	a.metrics = m
	bg := newGroup(ctx)
	bg.Go(func(ctx context.Context) {
		if err := a.metrics.Serve(ctx, a.cfg.MetricsAddr, a.ready); err != nil {
			a.log.Error("metrics server", zap.Error(err))
		}
	})
	return func() { bg.stop(); stop() }, nil
}

// ready is the readiness every long-running process reports (/healthz):
// Temporal answers queries and updates, and a worker polls.
func (a *app) ready(ctx context.Context) error {
	c, ok := a.client.Load().(client.Client)
	if !ok {
		return errors.New("not ready: not connected to Temporal yet")
	}
	return a.tasks(c).Ready(ctx)
}

// waitReady waits until ready answers, saying every so often what it is
// waiting for, and then logs what.
func (a *app) waitReady(ctx context.Context, what string) error {
	_, err := waitFor(ctx, a.log, "Temporal to answer queries and updates", func() (struct{}, error) {
		return struct{}{}, a.ready(ctx)
	})
	if err != nil {
		return err
	}
	a.log.Info(what+" ready: Temporal answers queries and updates", zap.String("temporal", a.cfg.Temporal.Address))
	return nil
}

// useClient keeps the Temporal client for the readiness checks.
func (a *app) useClient(c client.Client) { a.client.Store(c) }

// countTasks refreshes the tasks gauge from the board until ctx is done
// or stop is called; stop waits for the refresher, so a store closed after
// it is never read while closing.
func (a *app) countTasks(ctx context.Context, board metrics.TaskBoard) (stop func()) {
	if a.metrics == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.metrics.RefreshTasks(ctx, board, 30*time.Second)
	}()
	return func() {
		cancel()
		<-done
	}
}

func (a *app) tasks(c client.Client) *taskclient.Client {
	return &taskclient.Client{C: c, Namespace: a.cfg.Temporal.Namespace}
}
