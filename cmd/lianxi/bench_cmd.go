package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"lianxi/bench"
)

func (a *app) benchCmd() *cobra.Command {
	o := bench.Options{}
	var asJSON bool
	var cpuProfile string
	cmd := &cobra.Command{
		Use:     "bench",
		Example: `  lianxi bench`,
		Short:   "Measure the lifecycle against bare Temporal workflows on the embedded server, in one run",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Logger = a.log.Named("bench")
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			r, err := bench.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a, r)
			}
			printBench(a, r)
			return nil
		},
	}
	cmd.Flags().IntVar(&o.Tasks, "tasks", 25, "tasks (N)")
	cmd.Flags().IntVar(&o.Ministries, "ministries", 5, "participants per task (K), the lead among them")
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 32, "concurrent callers")
	cmd.Flags().StringVar(&o.Address, "bench-address", "127.0.0.1:17233", "frontend address of the benchmark's own embedded server")
	cmd.Flags().StringVar(&o.DataDir, "bench-data", "", "keep the benchmark's server and ledger files here (default: a temporary folder)")
	cmd.Flags().StringVar(&o.TemporalDB, "temporal-db", "", "postgres://USER:PASS@HOST:PORT/DB runs the benchmark's server on PostgreSQL, with its ledger in DB_ledger on the same server; empty uses SQLite files")
	cmd.Flags().IntVar(&o.ViewRequests, "views", 0, "also time the office dashboard and a ministry inbox this many times each, with a plan of N more open tasks launched (0: skip)")
	cmd.Flags().BoolVar(&o.ViewsOnly, "views-only", false, "time the views alone (with --views), without the comparison with bare Temporal")
	cmd.Flags().IntVar(&o.Reps, "reps", 5, "after the warm-up, measure bare and lianxi this many times, each on N fresh tasks, which goes first alternating (bare, lianxi; lianxi, bare; …); ratios are medians over the repetitions (1: a single pair)")
	cmd.Flags().BoolVar(&o.NoCheckpoints, "no-checkpoints", false, "leave the ledger's signed checkpoints off (to measure their cost)")
	cmd.Flags().StringVar(&o.ServerMetrics, "server-metrics", "", "HOST:PORT where the benchmark's Temporal server serves its own metrics (Prometheus text at /metrics) while it runs: persistence latencies, the history shard's I/O queue")
	cmd.Flags().DurationVar(&o.ArchiveDelay, "archive-delay", 0, "archive each closed run's history this long after it closes (0: Temporal's default, spread over up to 5 minutes, so one side's archival can land in the other's measurement)")
	cmd.Flags().StringVar(&o.Side, "side", bench.SideBoth, "what to measure: both (the comparison), or bare or lianxi alone, to profile one side (--cpuprofile) without the other's work in it; one side alone reports no ratios")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run (server included) to this file")
	return cmd
}

func printBench(a *app, r *bench.Report) {
	tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
	switch {
	case r.Repetitions == 0:
		fmt.Fprintf(tw, "%s K=%d C=%d, the views alone\t\t\t\n", r.Engine, r.Ministries, r.Concurrency)
	case r.Side == bench.SideBare:
		printSide(tw, r, "bare", r.Bare)
	case r.Side == bench.SideLianxi:
		printSide(tw, r, "lianxi", r.Lianxi)
	default:
		printRatios(tw, r)
	}
	fmt.Fprintf(tw, "peak RSS / Go heap\t\t%.0f MiB / %.0f MiB (%.1f KiB per task)\t\n", r.PeakRSSMiB, r.PeakHeapMiB, r.HeapPerTaskK)
	if v := r.Views; v != nil {
		fmt.Fprintf(tw, "office dashboard p50 / p95 (%d open tasks)\t\t%s / %s (%.0f KiB)\t\n", v.Tasks, ms(v.Office.P50), ms(v.Office.P95), v.OfficeKiB)
		fmt.Fprintf(tw, "office dashboard last page p50 / p95\t\t%s / %s\t\n", ms(v.OfficeLast.P50), ms(v.OfficeLast.P95))
		fmt.Fprintf(tw, "ministry inbox p50 / p95\t\t%s / %s (%.0f KiB)\t\n", ms(v.Inbox.P50), ms(v.Inbox.P95), v.InboxKiB)
	}
	fmt.Fprintf(tw, "wall time\t\t%.0f s\t\n", r.WallSeconds)
	tw.Flush()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }

// printRatios prints the comparison with bare Temporal.
func printRatios(tw *tabwriter.Writer, r *bench.Report) {
	// ratio prints a median and, over several repetitions, its range.
	ratio := func(name string) string {
		s := r.Spread[name]
		if r.Repetitions <= 1 {
			return fmt.Sprintf("%.2f", s.Median)
		}
		return fmt.Sprintf("%.2f [%.2f–%.2f]", s.Median, s.Min, s.Max)
	}
	head := fmt.Sprintf("%s N=%d K=%d C=%d", r.Engine, r.Tasks, r.Ministries, r.Concurrency)
	if r.Repetitions > 1 {
		head += fmt.Sprintf(" R=%d (medians)", r.Repetitions)
	}
	fmt.Fprintf(tw, "%s\tbare\tlianxi\tratio\n", head)
	fmt.Fprintf(tw, "launch (tasks/s)\t%.0f\t%.0f\t%s\n", r.Bare.Launch.PerSec, r.Lianxi.Launch.PerSec, ratio("launch_ratio"))
	fmt.Fprintf(tw, "updates (/s)\t%.0f\t%.0f\t%s\n", r.Bare.Updates.PerSec, r.Lianxi.Updates.PerSec, ratio("signoff_ratio"))
	fmt.Fprintf(tw, "update p50\t%s\t%s\t%s\n", ms(r.Bare.UpdateLatency.P50), ms(r.Lianxi.UpdateLatency.P50), ratio("p50_ratio"))
	fmt.Fprintf(tw, "update p95\t%s\t%s\t\n", ms(r.Bare.UpdateLatency.P95), ms(r.Lianxi.UpdateLatency.P95))
	fmt.Fprintf(tw, "update p99\t%s\t%s\t%s\n", ms(r.Bare.UpdateLatency.P99), ms(r.Lianxi.UpdateLatency.P99), ratio("p99_ratio"))
	fmt.Fprintf(tw, "seconds per task\t%.3f\t%.3f\t\n", r.Bare.TaskSeconds, r.Lianxi.TaskSeconds)
	fmt.Fprintf(tw, "history events per task\t%.1f\t%.1f\t%s\n", r.Bare.EventsPerTask, r.Lianxi.EventsPerTask, ratio("events_ratio"))
	fmt.Fprintf(tw, "process CPU per task\t%s\t%s\t%s\n", cpuPerTask(r.Bare), cpuPerTask(r.Lianxi), ratio("cpu_ratio"))
	fmt.Fprintf(tw, "ledger appends/s\t\t%.0f\t\n", r.Lianxi.LedgerAppendsS)
	fmt.Fprintf(tw, "replay (histories/s)\t\t%.0f\t\n", r.ReplayPerSec)
}

// printSide prints a run that measured one side alone.
func printSide(tw *tabwriter.Writer, r *bench.Report, name string, s bench.Side) {
	head := fmt.Sprintf("%s N=%d K=%d C=%d, %s alone", r.Engine, r.Tasks, r.Ministries, r.Concurrency, name)
	if r.Repetitions > 1 {
		head += fmt.Sprintf(" R=%d (medians)", r.Repetitions)
	}
	fmt.Fprintf(tw, "%s\t\t%s\t\n", head, name)
	fmt.Fprintf(tw, "launch (tasks/s)\t\t%.0f\t\n", s.Launch.PerSec)
	fmt.Fprintf(tw, "updates (/s)\t\t%.0f\t\n", s.Updates.PerSec)
	fmt.Fprintf(tw, "update p50 / p95 / p99\t\t%s / %s / %s\t\n", ms(s.UpdateLatency.P50), ms(s.UpdateLatency.P95), ms(s.UpdateLatency.P99))
	fmt.Fprintf(tw, "history events per task\t\t%.1f\t\n", s.EventsPerTask)
	fmt.Fprintf(tw, "process CPU per task\t\t%s\t\n", cpuPerTask(s))
	if s.LedgerAppendsS > 0 {
		fmt.Fprintf(tw, "ledger appends/s\t\t%.0f\t\n", s.LedgerAppendsS)
	}
}

// cpuPerTask is a side's process CPU time per task, launch and sign-offs.
func cpuPerTask(s bench.Side) string {
	v := s.CPUMsPerTask()
	if v == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f ms", v)
}
