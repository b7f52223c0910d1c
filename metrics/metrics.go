// Package metrics exposes lianxi's Prometheus metrics: the Temporal SDK's own,
// through the SDK's OpenTelemetry handler and OpenTelemetry's Prometheus
// exporter (latencies as histograms), and beside them the project's —
// decisions recorded, notifications delivered or failed, tasks by status and
// warning — on one registry with the Go runtime's and the process's.
package metrics

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// LatencyBuckets are the histogram bounds, in seconds, of every latency
// the SDK reports (requests, polls, schedule-to-start, task execution):
// from a fast local round trip to a long poll.
var LatencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// Metrics is one process's registry.
type Metrics struct {
	reg           *prometheus.Registry
	provider      *sdkmetric.MeterProvider
	sdk           client.MetricsHandler
	Decisions     *prometheus.CounterVec
	Notifications *prometheus.CounterVec
	Tasks         *prometheus.GaugeVec
}

// New builds the registry with Go runtime and process metrics, and the
// OpenTelemetry meter provider that feeds it the SDK's metrics. onError
// hears of an SDK metric that could not be made (it is then not recorded).
func New(onError func(error)) (*Metrics, error) {
	if onError == nil {
		onError = func(error) {}
	}
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		return nil, fmt.Errorf("metrics: prometheus exporter: %w", err)
	}
	latencies := sdkmetric.NewView(
		sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram, Unit: "s"},
		sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: LatencyBuckets}},
	)
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter), sdkmetric.WithView(latencies))
	m := &Metrics{
		reg:      reg,
		provider: provider,
		sdk: temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
			Meter: provider.Meter("temporal-sdk-go"), UseMonotonicCounters: true, OnError: onError,
		}),
		Decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lianxi_decisions_recorded_total", Help: "Decisions appended to the ledger, by kind.",
		}, []string{"kind"}),
		Notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lianxi_notifications_total", Help: "Notifications handled, by result (queued in the outbox with their decision, then delivered, refused or failed by the dispatcher).",
		}, []string{"result"}),
		Tasks: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lianxi_tasks", Help: "Tasks by status and warning colour, from the board.",
		}, []string{"status", "warning"}),
	}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.Decisions, m.Notifications, m.Tasks)
	return m, nil
}

// Shutdown stops the meter provider.
func (m *Metrics) Shutdown(ctx context.Context) error { return m.provider.Shutdown(ctx) }

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// SDK is the handler to pass as client.Options.MetricsHandler.
func (m *Metrics) SDK() client.MetricsHandler { return m.sdk }

// Serve runs /metrics and /healthz on addr until ctx is done. healthy
// reports readiness (nil means always healthy).
func (m *Metrics) Serve(ctx context.Context, addr string, healthy func(context.Context) error) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if healthy != nil {
			if err := healthy(r.Context()); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		w.Write([]byte("ok\n"))
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

// DecisionRecorded implements activities.Observer.
func (m *Metrics) DecisionRecorded(kind string) { m.Decisions.WithLabelValues(kind).Inc() }

// NotificationDone implements activities.Observer.
func (m *Metrics) NotificationDone(result string) { m.Notifications.WithLabelValues(result).Inc() }
