package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestSDKAndProjectMetrics(t *testing.T) {
	m, err := New(func(err error) { t.Error(err) })
	if err != nil {
		t.Fatal(err)
	}
	h := m.SDK()
	h.WithTags(map[string]string{"namespace": "default"}).Counter("temporal_request").Inc(2)
	// The same name with another label set still scrapes.
	h.WithTags(map[string]string{"namespace": "default", "operation": "Poll"}).Counter("temporal_request").Inc(1)
	h.Gauge("temporal_num_pollers").Update(4)
	// Latencies are histograms with buckets in seconds.
	h.Timer("temporal_request_latency").Record(1500 * time.Millisecond)
	h.Timer("temporal_request_latency").Record(20 * time.Millisecond)
	m.DecisionRecorded("sign-off")
	m.DecisionRecorded("sign-off")
	m.NotificationDone("delivered")
	m.Tasks.WithLabelValues("signing", "red").Set(3)
	out := scrape(t, m)
	for _, want := range []string{
		`# TYPE temporal_request_total counter`,
		`temporal_request_total{namespace="default"} 2`,
		`temporal_request_total{namespace="default",operation="Poll"`,
		`temporal_num_pollers 4`,
		`# TYPE temporal_request_latency_seconds histogram`,
		`temporal_request_latency_seconds_bucket{le="0.025"} 1`,
		`temporal_request_latency_seconds_bucket{le="2.5"} 2`,
		`temporal_request_latency_seconds_sum 1.52`,
		`temporal_request_latency_seconds_count 2`,
		`lianxi_decisions_recorded_total{kind="sign-off"} 2`,
		`lianxi_notifications_total{result="delivered"} 1`,
		`lianxi_tasks{status="signing",warning="red"} 3`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("scrape:\n%s", out)
	}
}
