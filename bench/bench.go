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
	"time"

	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap"

	"lianxi/activities"
	"lianxi/board"
	"lianxi/devserver"
	"lianxi/door"
	"lianxi/ledger"
	"lianxi/notify"
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
	// TemporalDB, when set, is a postgres:// URL: the embedded server keeps
	// its state there and the ledger lives in the database beside it
	// (its name with _ledger appended), so both sides run on PostgreSQL.
	TemporalDB string
	// ViewRequests, when positive, also times the console's dashboard and
	// inbox this many times each, with a plan of Tasks open tasks.
	ViewRequests int
	// ViewsOnly skips the comparison with bare Temporal and times the
	// views alone (ViewRequests must be positive).
	ViewsOnly bool
	// ReplaySample is how many histories the replay rate is measured on.
	ReplaySample int
	// NoCheckpoints leaves the ledger's checkpoints off, to measure what
	// they cost.
	NoCheckpoints bool
	// Reps is how many times bare and lianxi are measured, alternately,
	// after the warm-up; each repetition runs Tasks fresh tasks on each
	// side. Zero means one.
	Reps int
	// ServerMetrics, when set, is a HOST:PORT where the benchmark's
	// embedded server serves its own metrics while the run lasts.
	ServerMetrics string
	// ArchiveDelay, when positive, replaces devserver's archival delay
	// (Temporal's default: up to 5 minutes after a run closes).
	ArchiveDelay time.Duration
	// Side is what the run measures: SideBoth ("" too), SideBare or
	// SideLianxi (see side.go).
	Side   string
	Logger *zap.Logger
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
	// CPUSeconds is this process's CPU time (the embedded server, workers
	// and callers; not a PostgreSQL server's) while the side's launch and
	// sign-offs ran.
	CPUSeconds float64 `json:"cpu_seconds"`
	// Resent counts requests sent again after no answer within
	// taskclient.DefaultWait (same request ID, answered once).
	Resent int `json:"resent,omitempty"`
}

// Report is the whole run.
type Report struct {
	// Engine is what the server and the ledger keep their state in.
	Engine      string `json:"engine"`
	Tasks       int    `json:"tasks"`
	Ministries  int    `json:"ministries"`
	Concurrency int    `json:"concurrency"`
	Repetitions int    `json:"repetitions"`
	// Side is what was measured: both, or bare or lianxi alone (no ratios).
	Side string `json:"side"`
	// Bare and Lianxi hold each figure's median over the repetitions, and
	// the ratios below are the medians of the per-repetition ratios.
	Bare         Side    `json:"bare"`
	Lianxi       Side    `json:"lianxi"`
	LaunchRatio  float64 `json:"launch_ratio"`
	SignoffRatio float64 `json:"signoff_ratio"`
	P50Ratio     float64 `json:"p50_ratio"`
	P99Ratio     float64 `json:"p99_ratio"`
	// EventsRatio is history events per task, lianxi over bare.
	EventsRatio float64 `json:"events_ratio"`
	// CPURatio is the process's CPU time per task, lianxi over bare.
	CPURatio     float64 `json:"cpu_ratio"`
	ReplayPerSec float64 `json:"replay_histories_per_sec"`
	PeakRSSMiB   float64 `json:"peak_rss_mib"`
	PeakHeapMiB  float64 `json:"peak_heap_mib"`
	// HeapPerTaskK: the heap's peak growth over N, whatever --reps; compare equal --reps.
	HeapPerTaskK float64 `json:"heap_kib_per_task"`
	Views        *Views  `json:"views,omitempty"`
	GoVersion    string  `json:"go_version"`
	CPUs         int     `json:"cpus"`
	// WallSeconds is the whole run, server start to the last figure.
	WallSeconds float64 `json:"wall_seconds"`
	// Spread is every ratio's median, range and values, keyed by the
	// ratio's JSON name; Reps is each repetition in the order measured.
	Spread map[string]Spread `json:"spread"`
	Reps   []Rep             `json:"reps"`
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
	if o.ViewsOnly && o.ViewRequests <= 0 {
		return nil, fmt.Errorf("bench: timing the views alone needs a number of requests (--views)")
	}
	if o.Reps <= 0 {
		o.Reps = 1
	}
	side, err := o.side()
	if err != nil {
		return nil, err
	}
	o.Side = side
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
	began := time.Now()
	srv, err := devserver.Start(devserver.Options{DataDir: o.DataDir, DB: o.TemporalDB, Address: o.Address, Namespace: "default",
		Retention: 24 * time.Hour, SearchAttributes: workflows.SearchAttributes(), Logger: o.Logger,
		LogFile: filepath.Join(o.DataDir, "temporal-server.log"), MetricsAddress: o.ServerMetrics, ArchiveDelay: o.ArchiveDelay})
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	key, err := door.NewKey()
	if err != nil {
		return nil, err
	}
	c, err := dialReady(ctx, o, key)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	engine := "sqlite"
	var store *ledger.SQLStore
	if o.TemporalDB == "" {
		store, err = ledger.OpenSQLite(ctx, filepath.Join(o.DataDir, "ledger.db"))
	} else {
		engine = "postgres"
		store, err = openPostgresLedger(ctx, o.TemporalDB)
	}
	if err != nil {
		return nil, err
	}
	defer store.Close()
	if !o.NoCheckpoints {
		stop, err := signCheckpoints(ctx, store, o.DataDir)
		if err != nil {
			return nil, err
		}
		defer stop()
	}
	outbox, err := notify.NewOutbox(ctx, store, notify.OutboxOptions{})
	if err != nil {
		return nil, err
	}
	tasks, err := board.Open(ctx, store)
	if err != nil {
		return nil, err
	}
	wopts := sdkworker.Options{MaxConcurrentWorkflowTaskPollers: 4, MaxConcurrentActivityTaskPollers: 4}
	w, err := worker.New(c, &activities.Activities{Ledger: store, Outbox: outbox, Board: tasks, Notifier: outbox}, key, wopts)
	if err != nil {
		return nil, err
	}
	bare := sdkworker.New(c, bareQueue, wopts)
	bare.RegisterWorkflow(BareWorkflow)
	for _, x := range []sdkworker.Worker{w, bare} {
		if err := x.Start(); err != nil {
			return nil, err
		}
		defer x.Stop()
	}

	r := &Report{Engine: engine, Tasks: o.Tasks, Ministries: o.Ministries, Concurrency: o.Concurrency, Repetitions: o.Reps, Side: o.Side,
		GoVersion: runtime.Version(), CPUs: runtime.NumCPU()}
	if o.ViewsOnly {
		r.Repetitions = 0
	} else if err := warmUp(ctx, c, o); err != nil {
		return nil, err
	}
	mem := startMemSampler()
	heapBefore := mem.heapNow()
	if !o.ViewsOnly {
		ids, err := measureReps(ctx, c, store, o, r)
		if err != nil {
			return nil, err
		}
		if len(ids) > 0 {
			if r.ReplayPerSec, err = replayRate(ctx, c, ids[:o.ReplaySample], o.Logger); err != nil {
				return nil, err
			}
		}
	}
	if o.ViewRequests > 0 {
		v, err := measureViews(ctx, c, store, tasks, outbox, o)
		if err != nil {
			return nil, err
		}
		r.Views = &v
	}
	peakHeap := mem.stop()
	r.PeakRSSMiB = peakRSSMiB()
	r.PeakHeapMiB = float64(peakHeap) / (1 << 20)
	r.HeapPerTaskK = float64(peakHeap-min(peakHeap, heapBefore)) / 1024 / float64(o.Tasks)
	r.WallSeconds = time.Since(began).Seconds()
	return r, nil
}
