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
	// Every persistence call of the shard records its wait for the I/O
	// queue (operation "ShardInfo"); the deadlock detector's sample of the
	// same queue (dd_shard_io_semaphore_latency) comes only once a minute,
	// so it is not waited for.
	want := []string{
		`semaphore_latency_milliseconds_count{operation="ShardInfo"`,
		`persistence_latency_milliseconds_count{namespace="default",operation="CreateWorkflowExecution"`,
	}
	var missing []string
	var body string
	for {
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			missing = missing[:0]
			for _, w := range want {
				if !strings.HasPrefix(body, w) && !strings.Contains(body, "\n"+w) {
					missing = append(missing, w)
				}
			}
			if len(missing) == 0 {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("metrics at %s lack %q (error %v; %d bytes)", metricsAddr, missing, err, len(body))
		case <-time.After(200 * time.Millisecond):
		}
	}
}
