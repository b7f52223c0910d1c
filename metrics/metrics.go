// Package metrics exposes lianxi's Prometheus metrics: the Temporal SDK's own
// (through an adapter to its metrics handler) and the project's — decisions
// recorded, notifications delivered or failed, tasks by status and warning.
package metrics

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
)

// Metrics is one process's registry.
type Metrics struct {
	reg           *prometheus.Registry
	sdk           *sdkCollector
	Decisions     *prometheus.CounterVec
	Notifications *prometheus.CounterVec
	Tasks         *prometheus.GaugeVec
}

// New builds the registry with Go runtime and process metrics.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		sdk: &sdkCollector{series: map[string]*series{}},
		Decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lianxi_decisions_recorded_total", Help: "Decisions appended to the ledger, by kind.",
		}, []string{"kind"}),
		Notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lianxi_notifications_total", Help: "Notifications handled, by result (queued in the outbox with their decision, then delivered, refused or failed by the dispatcher).",
		}, []string{"result"}),
		Tasks: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lianxi_tasks", Help: "Tasks by status and warning colour, from visibility.",
		}, []string{"status", "warning"}),
	}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.Decisions, m.Notifications, m.Tasks, m.sdk)
	return m
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// SDK is the handler to pass as client.Options.MetricsHandler.
func (m *Metrics) SDK() client.MetricsHandler { return sdkHandler{c: m.sdk} }

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

// series is one SDK metric name: its kind and values by label set.
type series struct {
	kind   prometheus.ValueType
	keys   map[string]bool
	values map[string]*value
}

type value struct {
	labels map[string]string
	sum    float64
	count  uint64
}

// sdkCollector keeps the SDK's metrics, whose label sets vary per call,
// and emits each name with the union of the labels it has seen.
type sdkCollector struct {
	mu     sync.Mutex
	series map[string]*series
}

func (c *sdkCollector) Describe(chan<- *prometheus.Desc) {}

func (c *sdkCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, s := range c.series {
		keys := make([]string, 0, len(s.keys))
		for k := range s.keys {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		desc := prometheus.NewDesc(name, "Temporal SDK metric "+name, keys, nil)
		for _, v := range s.values {
			lv := make([]string, len(keys))
			for i, k := range keys {
				lv[i] = v.labels[k]
			}
			switch s.kind {
			case prometheus.UntypedValue: // timers: total seconds and count
				ch <- prometheus.MustNewConstSummary(desc, v.count, v.sum, nil, lv...)
			default:
				ch <- prometheus.MustNewConstMetric(desc, s.kind, v.sum, lv...)
			}
		}
	}
}

func (c *sdkCollector) record(name string, kind prometheus.ValueType, tags map[string]string, f func(v *value)) {
	name = "temporal_" + strings.NewReplacer(".", "_", "-", "_").Replace(strings.TrimPrefix(name, "temporal_"))
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var id strings.Builder
	for _, k := range keys {
		id.WriteString(k + "=" + tags[k] + ",")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.series[name]
	if !ok {
		s = &series{kind: kind, keys: map[string]bool{}, values: map[string]*value{}}
		c.series[name] = s
	}
	for _, k := range keys {
		s.keys[k] = true
	}
	v, ok := s.values[id.String()]
	if !ok {
		v = &value{labels: tags}
		s.values[id.String()] = v
	}
	f(v)
}

// sdkHandler implements the SDK's metrics handler on the collector.
type sdkHandler struct {
	c    *sdkCollector
	tags map[string]string
}

func (h sdkHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return sdkHandler{c: h.c, tags: merged}
}

func (h sdkHandler) Counter(name string) client.MetricsCounter {
	return counterFunc(func(d int64) {
		h.c.record(name, prometheus.CounterValue, h.tags, func(v *value) { v.sum += float64(d) })
	})
}

func (h sdkHandler) Gauge(name string) client.MetricsGauge {
	return gaugeFunc(func(f float64) {
		h.c.record(name, prometheus.GaugeValue, h.tags, func(v *value) { v.sum = f })
	})
}

func (h sdkHandler) Timer(name string) client.MetricsTimer {
	return timerFunc(func(d time.Duration) {
		h.c.record(name, prometheus.UntypedValue, h.tags, func(v *value) { v.sum += d.Seconds(); v.count++ })
	})
}

type counterFunc func(int64)

func (f counterFunc) Inc(d int64) { f(d) }

type gaugeFunc func(float64)

func (f gaugeFunc) Update(v float64) { f(v) }

type timerFunc func(time.Duration)

func (f timerFunc) Record(d time.Duration) { f(d) }

// DecisionRecorded implements activities.Observer.
func (m *Metrics) DecisionRecorded(kind string) { m.Decisions.WithLabelValues(kind).Inc() }

// NotificationDone implements activities.Observer.
func (m *Metrics) NotificationDone(result string) { m.Notifications.WithLabelValues(result).Inc() }
