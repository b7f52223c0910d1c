package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"lianxi/audit"
	"lianxi/ledger"
	"lianxi/logging"
)

func ledgerCount(ctx context.Context, s *ledger.SQLStore) (int64, error) {
	var n int64
	err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM decisions`).Scan(&n)
	return n, err
}

// eventsPerTask averages the history length of the runs, once they closed.
func eventsPerTask(ctx context.Context, c client.Client, ids []string) (float64, error) {
	total := 0
	for _, id := range ids {
		if err := c.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
			return 0, fmt.Errorf("%s: %w", id, err)
		}
		d, err := c.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return 0, err
		}
		total += int(d.GetWorkflowExecutionInfo().GetHistoryLength())
	}
	return float64(total) / float64(len(ids)), nil
}

// replayRate fetches histories, then times only their replay.
func replayRate(ctx context.Context, c client.Client, ids []string, log *zap.Logger) (float64, error) {
	r := audit.NewReplayer(logging.Temporal(log))
	histories := make([]*historypb.History, 0, len(ids))
	for _, id := range ids {
		h, err := audit.Fetch(ctx, c, audit.Run{WorkflowID: id})
		if err != nil {
			return 0, err
		}
		histories = append(histories, h)
	}
	start := time.Now()
	for _, h := range histories {
		if err := r.Replay(h); err != nil {
			return 0, err
		}
	}
	return float64(len(histories)) / time.Since(start).Seconds(), nil
}

// peakRSSMiB reads the process's high-water resident set size.
func peakRSSMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// memSampler tracks the peak Go heap while the run goes on.
type memSampler struct {
	stopc chan struct{}
	done  chan uint64
}

func startMemSampler() *memSampler {
	m := &memSampler{stopc: make(chan struct{}), done: make(chan uint64, 1)}
	go func() {
		var peak uint64
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-m.stopc:
				m.done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *memSampler) heapNow() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func (m *memSampler) stop() uint64 {
	close(m.stopc)
	return <-m.done
}
