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
	m := New()
	h := m.SDK()
	h.WithTags(map[string]string{"namespace": "default"}).Counter("temporal_request").Inc(2)
	// The same name with another label set still scrapes.
	h.WithTags(map[string]string{"namespace": "default", "operation": "Poll"}).Counter("temporal_request").Inc(1)
	h.Gauge("temporal_num_pollers").Update(4)
	h.Timer("temporal_request_latency").Record(1500 * time.Millisecond)
	m.DecisionRecorded("sign-off")
	m.DecisionRecorded("sign-off")
	m.NotificationDone("delivered")
	m.Tasks.WithLabelValues("signing", "red").Set(3)
	out := scrape(t, m)
	for _, want := range []string{
		`temporal_request{namespace="default",operation=""} 2`,
		`temporal_request{namespace="default",operation="Poll"} 1`,
		`temporal_num_pollers 4`,
		`temporal_request_latency_sum 1.5`,
		`lianxi_decisions_recorded_total{kind="sign-off"} 2`,
		`lianxi_notifications_total{result="delivered"} 1`,
		`lianxi_tasks{status="signing",warning="red"} 3`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}
