// Package bench measures lianxi's lifecycle against the bare Temporal
// engine it runs on, in the same process, on the same embedded server: the
// floor is measured in the same run, so the ratios hold on a noisy machine.
package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap"

	"lianxi/activities"
	"lianxi/audit"
	"lianxi/devserver"
	"lianxi/ledger"
	"lianxi/logging"
	"lianxi/notify"
	"lianxi/starter"
	"lianxi/taskclient"
	"lianxi/worker"
	"lianxi/workflows"
)

// Options size a run.
type Options struct {
	Tasks       int
	Ministries  int
	Concurrency int
	// Address is the embedded server's frontend; other services use the
	// ports next to it (see devserver).
	Address string
	// DataDir holds the server's and the ledger's files; empty uses a
	// temporary folder removed afterwards.
	DataDir string
	// ReplaySample is how many histories the replay rate is measured on.
	ReplaySample int
	Logger       *zap.Logger
}

// Phase is one measured stretch of work.
type Phase struct {
	Count   int           `json:"count"`
	Elapsed time.Duration `json:"elapsed_ns"`
	PerSec  float64       `json:"per_sec"`
}

func phase(n int, d time.Duration) Phase {
	return Phase{Count: n, Elapsed: d, PerSec: float64(n) / d.Seconds()}
}

// Latency summarizes update round trips.
type Latency struct {
	P50 time.Duration `json:"p50_ns"`
	P95 time.Duration `json:"p95_ns"`
	P99 time.Duration `json:"p99_ns"`
}

func latency(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	at := func(q float64) time.Duration { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
	return Latency{P50: at(0.50), P95: at(0.95), P99: at(0.99)}
}

// Side is one engine's figures: the bare baseline or lianxi.
type Side struct {
	Launch         Phase   `json:"launch"`
	Updates        Phase   `json:"updates"`
	UpdateLatency  Latency `json:"update_latency"`
	TaskSeconds    float64 `json:"seconds_per_task"`
	EventsPerTask  float64 `json:"history_events_per_task"`
	LedgerAppendsS float64 `json:"ledger_appends_per_sec,omitempty"`
}

// Report is the whole run.
type Report struct {
	Tasks        int     `json:"tasks"`
	Ministries   int     `json:"ministries"`
	Concurrency  int     `json:"concurrency"`
	Bare         Side    `json:"bare"`
	Lianxi       Side    `json:"lianxi"`
	LaunchRatio  float64 `json:"launch_ratio"`
	SignoffRatio float64 `json:"signoff_ratio"`
	P50Ratio     float64 `json:"p50_ratio"`
	ReplayPerSec float64 `json:"replay_histories_per_sec"`
	PeakRSSMiB   float64 `json:"peak_rss_mib"`
	PeakHeapMiB  float64 `json:"peak_heap_mib"`
	HeapPerTaskK float64 `json:"heap_kib_per_task"`
	GoVersion    string  `json:"go_version"`
	CPUs         int     `json:"cpus"`
}

const bareQueue = "lianxi-bench-bare"

// BareWorkflow is the floor: it accepts n updates that do nothing and ends.
func BareWorkflow(ctx workflow.Context, n int) (int, error) {
	got := 0
	if err := workflow.SetUpdateHandler(ctx, "touch", func(ctx workflow.Context, _ string) (int, error) {
		got++
		return got, nil
	}); err != nil {
		return 0, err
	}
	if err := workflow.Await(ctx, func() bool { return got >= n }); err != nil {
		return 0, err
	}
	return got, nil
}

// Run measures bare and lianxi at the same size and concurrency.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Tasks <= 0 || o.Ministries <= 0 || o.Concurrency <= 0 {
		return nil, fmt.Errorf("bench: tasks, ministries and concurrency must be positive")
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.ReplaySample <= 0 {
		o.ReplaySample = min(o.Tasks, 100)
	}
	if o.DataDir == "" {
		dir, err := os.MkdirTemp("", "lianxi-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		o.DataDir = dir
	}
	srv, err := devserver.Start(devserver.Options{DataDir: o.DataDir, Address: o.Address, Namespace: "default",
		Retention: 24 * time.Hour, SearchAttributes: workflows.SearchAttributes(), Logger: o.Logger,
		LogFile: filepath.Join(o.DataDir, "temporal-server.log")})
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	c, err := dialReady(ctx, o)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	store, err := ledger.OpenSQLite(ctx, filepath.Join(o.DataDir, "ledger.db"))
	if err != nil {
		return nil, err
	}
	defer store.Close()
	outbox, err := notify.NewOutbox(ctx, store.DB(), notify.OutboxOptions{})
	if err != nil {
		return nil, err
	}
	wopts := sdkworker.Options{MaxConcurrentWorkflowTaskPollers: 4, MaxConcurrentActivityTaskPollers: 4}
	w := worker.New(c, &activities.Activities{Ledger: store, Notifier: outbox}, wopts)
	bare := sdkworker.New(c, bareQueue, wopts)
	bare.RegisterWorkflow(BareWorkflow)
	for _, x := range []sdkworker.Worker{w, bare} {
		if err := x.Start(); err != nil {
			return nil, err
		}
		defer x.Stop()
	}

	// Warm both paths (task queues, connections, caches) before timing.
	warm := o
	warm.Tasks, warm.Concurrency = min(o.Concurrency, 8), min(o.Concurrency, 8)
	if _, err := runBare(ctx, c, warm, "warm-"); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	if _, _, err := runLianxi(ctx, c, warm); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}

	r := &Report{Tasks: o.Tasks, Ministries: o.Ministries, Concurrency: o.Concurrency, GoVersion: runtime.Version(), CPUs: runtime.NumCPU()}
	mem := startMemSampler()
	heapBefore := mem.heapNow()
	if r.Bare, err = runBare(ctx, c, o, ""); err != nil {
		return nil, fmt.Errorf("bare: %w", err)
	}
	before, err := ledgerCount(ctx, store)
	if err != nil {
		return nil, err
	}
	ids, side, err := runLianxi(ctx, c, o)
	if err != nil {
		return nil, fmt.Errorf("lianxi: %w", err)
	}
	after, err := ledgerCount(ctx, store)
	if err != nil {
		return nil, err
	}
	side.LedgerAppendsS = float64(after-before) / (side.Launch.Elapsed + side.Updates.Elapsed).Seconds()
	r.Lianxi = side
	r.LaunchRatio = r.Lianxi.Launch.PerSec / r.Bare.Launch.PerSec
	r.SignoffRatio = r.Lianxi.Updates.PerSec / r.Bare.Updates.PerSec
	r.P50Ratio = float64(r.Lianxi.UpdateLatency.P50) / float64(r.Bare.UpdateLatency.P50)
	if r.Lianxi.EventsPerTask, err = eventsPerTask(ctx, c, ids); err != nil {
		return nil, err
	}
	if r.Bare.EventsPerTask, err = eventsPerTask(ctx, c, bareIDs("", o.Tasks)); err != nil {
		return nil, err
	}
	if r.ReplayPerSec, err = replayRate(ctx, c, ids[:o.ReplaySample], o.Logger); err != nil {
		return nil, err
	}
	peakHeap := mem.stop()
	r.PeakRSSMiB = peakRSSMiB()
	r.PeakHeapMiB = float64(peakHeap) / (1 << 20)
	r.HeapPerTaskK = float64(peakHeap-min(peakHeap, heapBefore)) / 1024 / float64(o.Tasks)
	return r, nil
}

func dialReady(ctx context.Context, o Options) (client.Client, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		c, err := client.Dial(client.Options{HostPort: o.Address, Namespace: "default", Logger: logging.Temporal(o.Logger)})
		if err == nil {
			if _, err = c.CheckHealth(ctx, &client.CheckHealthRequest{}); err == nil {
				return c, nil
			}
			c.Close()
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("embedded server not ready: %w", err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// parallel runs f(i) for i in [0,n) on c goroutines.
func parallel(n, c int, f func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, c)
	for g := 0; g < c; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// timed records the latency of every call it wraps.
type timed struct {
	mu sync.Mutex
	ds []time.Duration
}

func (t *timed) do(f func() error) error {
	start := time.Now()
	err := f()
	t.mu.Lock()
	t.ds = append(t.ds, time.Since(start))
	t.mu.Unlock()
	return err
}

func bareIDs(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = prefix + "bench-bare/" + strconv.Itoa(i+1)
	}
	return ids
}

func runBare(ctx context.Context, c client.Client, o Options, prefix string) (Side, error) {
	ids := bareIDs(prefix, o.Tasks)
	updates := o.Ministries + 1
	start := time.Now()
	err := parallel(o.Tasks, o.Concurrency, func(i int) error {
		_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[i], TaskQueue: bareQueue,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}, BareWorkflow, updates)
		return err
	})
	if err != nil {
		return Side{}, err
	}
	launch := phase(o.Tasks, time.Since(start))
	var lat timed
	var taskTime atomic.Int64
	start = time.Now()
	err = parallel(o.Tasks, o.Concurrency, func(i int) error {
		t0 := time.Now()
		for u := 0; u < updates; u++ {
			if err := lat.do(func() error {
				h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: ids[i], UpdateName: "touch",
					UpdateID: fmt.Sprintf("u%d", u), Args: []any{"x"}, WaitForStage: client.WorkflowUpdateStageCompleted})
				if err != nil {
					return err
				}
				return h.Get(ctx, nil)
			}); err != nil {
				return err
			}
		}
		taskTime.Add(int64(time.Since(t0)))
		return nil
	})
	if err != nil {
		return Side{}, err
	}
	return Side{Launch: launch, Updates: phase(o.Tasks*updates, time.Since(start)), UpdateLatency: latency(lat.ds),
		TaskSeconds: time.Duration(taskTime.Load() / int64(o.Tasks)).Seconds()}, nil
}

// ministries are the bench tasks' participants: the lead first.
func ministries(k int) []string {
	all := []string{"ndrc", "miit", "mof", "most", "cac", "mofcom", "moe", "mps", "pbc", "sasac"}
	out := make([]string, 0, k)
	for i := 0; i < k; i++ {
		if i < len(all) {
			out = append(out, all[i])
		} else {
			out = append(out, fmt.Sprintf("m%d", i))
		}
	}
	return out
}

func runLianxi(ctx context.Context, c client.Client, o Options) ([]string, Side, error) {
	tasks := &taskclient.Client{C: c, Namespace: "default"}
	parts := ministries(o.Ministries)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	specs := make([]workflows.TaskSpec, o.Tasks)
	ids := make([]string, o.Tasks)
	for i := range specs {
		specs[i] = workflows.TaskSpec{PlanID: "bench-" + run, TaskNo: strconv.Itoa(i + 1), Title: "基准任务",
			Lead: parts[0], Participants: parts}
		ids[i] = workflows.WorkflowID(specs[i].PlanID, specs[i].TaskNo)
	}
	start := time.Now()
	rep, err := starter.Launch(ctx, c, specs, starter.Options{Concurrency: o.Concurrency})
	if err != nil {
		return nil, Side{}, err
	}
	if rep.Started != o.Tasks {
		return nil, Side{}, fmt.Errorf("launched %d of %d", rep.Started, o.Tasks)
	}
	launch := phase(o.Tasks, time.Since(start))
	var lat timed
	var taskTime atomic.Int64
	start = time.Now()
	err = parallel(o.Tasks, o.Concurrency, func(i int) error {
		t0 := time.Now()
		send := func(name, req string, arg any) error {
			return lat.do(func() error { _, err := tasks.Update(ctx, ids[i], name, req, arg); return err })
		}
		for _, m := range parts[1:] {
			if err := send(workflows.UpdateSignOff, m, workflows.SignOffRequest{Ministry: m, Decision: workflows.DecisionApprove}); err != nil {
				return err
			}
		}
		if err := send(workflows.UpdateSignOff, parts[0], workflows.SignOffRequest{Ministry: parts[0], Decision: workflows.DecisionApprove, Report: "联合报告"}); err != nil {
			return err
		}
		if err := send(workflows.UpdateReview, "review", workflows.ReviewRequest{Decision: workflows.DecisionApprove}); err != nil {
			return err
		}
		taskTime.Add(int64(time.Since(t0)))
		return nil
	})
	if err != nil {
		return nil, Side{}, err
	}
	updates := phase(o.Tasks*(o.Ministries+1), time.Since(start))
	return ids, Side{Launch: launch, Updates: updates, UpdateLatency: latency(lat.ds),
		TaskSeconds: time.Duration(taskTime.Load() / int64(o.Tasks)).Seconds()}, nil
}

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
