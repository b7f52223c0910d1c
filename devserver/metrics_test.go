package devserver

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap"
)

// With MetricsAddress, the server's own metrics are served there: among
// them how long persistence calls waited for the history shard's I/O
// queue and how long each operation took, which BENCHMARKS.md reads.
func TestServerMetricsServed(t *testing.T) {
	addr, err := FreeAddress()
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr, err := FreeAddress()
	if err != nil {
		t.Fatal(err)
	}
	c := startDialed(t, Options{DataDir: t.TempDir(), Address: addr, Namespace: "default", Retention: 24 * time.Hour,
		Logger: zap.NewNop(), MetricsAddress: metricsAddr})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A start writes through the shard.
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "metrics", TaskQueue: "nobody"}, "Nothing"); err != nil {
		t.Fatal(err)
	}
	want := []string{"dd_shard_io_semaphore_latency", `persistence_latency_milliseconds_count{`, `operation="CreateWorkflowExecution"`}
	var body string
	for {
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			missing := false
			for _, w := range want {
				missing = missing || !strings.Contains(body, w)
			}
			if !missing {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("metrics at %s lack one of %q (error %v; %d bytes)", metricsAddr, want, err, len(body))
		case <-time.After(200 * time.Millisecond):
		}
	}
}
