package bench

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"lianxi/devserver"
	"lianxi/starter"
)

func freeAddress(t *testing.T) string {
	t.Helper()
	addr, err := devserver.FreeAddress()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// A quick run of the benchmark as a smoke test, in two repetitions: every
// figure is measured; no speed is asserted (the machine is shared, see
// BENCHMARKS.md).
func TestBenchSmoke(t *testing.T) {
	r, err := Run(context.Background(), Options{Tasks: 6, Ministries: 3, Concurrency: 4, Address: freeAddress(t), DataDir: t.TempDir(), ViewRequests: 3, Reps: 2})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, r, "sqlite")
	checkReps(t, r, 2)
	if v := r.Views; v == nil || v.Office.P50 <= 0 || v.Inbox.P95 <= 0 || v.OfficeLast.P95 <= 0 || v.OfficeKiB <= 0 || v.InboxKiB <= 0 || v.Requests != 3 {
		t.Errorf("views not measured: %+v", v)
	}
}

// The same on PostgreSQL: the server's state and the ledger both there.
func TestBenchSmokePostgres(t *testing.T) {
	dsn := os.Getenv("LIANXI_TEST_PG_DSN")
	if dsn == "" {
		if os.Getenv("LIANXI_REQUIRE_PG") != "" {
			t.Fatal("LIANXI_REQUIRE_PG is set but LIANXI_TEST_PG_DSN is empty")
		}
		t.Skip("LIANXI_TEST_PG_DSN is empty (./scripts/test.sh starts a PostgreSQL server)")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = fmt.Sprintf("/lianxi_bench_%d", time.Now().UnixNano())
	r, err := Run(context.Background(), Options{Tasks: 6, Ministries: 3, Concurrency: 4, Address: freeAddress(t), DataDir: t.TempDir(), TemporalDB: u.String()})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, r, "postgres")
	checkReps(t, r, 1)
}

func checkReport(t *testing.T, r *Report, engine string) {
	t.Helper()
	if r.Engine != engine {
		t.Errorf("engine %q, want %q", r.Engine, engine)
	}
	for name, v := range map[string]float64{
		"bare launch": r.Bare.Launch.PerSec, "lianxi launch": r.Lianxi.Launch.PerSec,
		"bare updates": r.Bare.Updates.PerSec, "lianxi updates": r.Lianxi.Updates.PerSec,
		"signoff ratio": r.SignoffRatio, "p50 ratio": r.P50Ratio, "p99 ratio": r.P99Ratio, "events ratio": r.EventsRatio, "replay": r.ReplayPerSec,
		"ledger appends": r.Lianxi.LedgerAppendsS, "events": r.Lianxi.EventsPerTask, "rss": r.PeakRSSMiB,
	} {
		if v <= 0 {
			t.Errorf("%s = %v, want a measured figure", name, v)
		}
	}
	if r.Lianxi.Updates.Count != 6*4 || r.Bare.Updates.Count != 6*4 {
		t.Errorf("updates %d and %d, want K+1 per task", r.Lianxi.Updates.Count, r.Bare.Updates.Count)
	}
	if r.Lianxi.EventsPerTask <= r.Bare.EventsPerTask {
		t.Errorf("lianxi history (%v events) should be longer than the bare one (%v)", r.Lianxi.EventsPerTask, r.Bare.EventsPerTask)
	}
}

// checkReps asserts every repetition was measured on both sides and that
// each reported ratio is the median of the repetitions' own.
func checkReps(t *testing.T, r *Report, reps int) {
	t.Helper()
	if r.Repetitions != reps || len(r.Reps) != reps {
		t.Fatalf("repetitions %d, %d measured, want %d", r.Repetitions, len(r.Reps), reps)
	}
	for i, rep := range r.Reps {
		for name, v := range map[string]float64{
			"bare launch": rep.Bare.Launch.PerSec, "lianxi launch": rep.Lianxi.Launch.PerSec,
			"bare updates": rep.Bare.Updates.PerSec, "lianxi updates": rep.Lianxi.Updates.PerSec,
			"bare p50": float64(rep.Bare.UpdateLatency.P50), "lianxi p50": float64(rep.Lianxi.UpdateLatency.P50),
			"bare events": rep.Bare.EventsPerTask, "lianxi events": rep.Lianxi.EventsPerTask, "ledger appends": rep.Lianxi.LedgerAppendsS,
			"launch ratio": rep.Ratios.Launch, "signoff ratio": rep.Ratios.Signoff, "p50 ratio": rep.Ratios.P50,
			"p99 ratio": rep.Ratios.P99, "events ratio": rep.Ratios.Events, "cpu ratio": rep.Ratios.CPU,
			"bare cpu": rep.Bare.CPUSeconds, "lianxi cpu": rep.Lianxi.CPUSeconds,
		} {
			if v <= 0 {
				t.Errorf("repetition %d: %s = %v, want a measured figure", i+1, name, v)
			}
		}
	}
	for name, got := range map[string]float64{"launch_ratio": r.LaunchRatio, "signoff_ratio": r.SignoffRatio,
		"p50_ratio": r.P50Ratio, "p99_ratio": r.P99Ratio, "events_ratio": r.EventsRatio, "cpu_ratio": r.CPURatio} {
		s, ok := r.Spread[name]
		if !ok || len(s.Values) != reps {
			t.Errorf("%s: spread %+v, want %d values", name, s, reps)
			continue
		}
		if s.Min > s.Median || s.Median > s.Max || got != s.Median {
			t.Errorf("%s = %v, spread %+v: want the median, between min and max", name, got, s)
		}
	}
	if r.WallSeconds <= 0 {
		t.Errorf("wall time %v, want measured", r.WallSeconds)
	}
}

// One side alone: only its figures are measured, the other side's tasks
// are never started, and no ratio is reported.
func TestBenchOneSide(t *testing.T) {
	r, err := Run(context.Background(), Options{Tasks: 4, Ministries: 2, Concurrency: 4, Address: freeAddress(t), DataDir: t.TempDir(), Reps: 2, Side: SideLianxi})
	if err != nil {
		t.Fatal(err)
	}
	if r.Side != SideLianxi || len(r.Reps) != 2 {
		t.Fatalf("side %q, %d repetitions: want lianxi, 2", r.Side, len(r.Reps))
	}
	for i, rep := range r.Reps {
		l := rep.Lianxi
		if l.Updates.Count != 4*3 || l.Updates.PerSec <= 0 || l.UpdateLatency.P50 <= 0 || l.EventsPerTask <= 0 || l.CPUSeconds <= 0 || l.LedgerAppendsS <= 0 {
			t.Errorf("repetition %d: lianxi not measured: %+v", i+1, l)
		}
		if rep.Bare != (Side{}) || rep.Ratios != (Ratios{}) {
			t.Errorf("repetition %d: bare %+v, ratios %+v: want neither", i+1, rep.Bare, rep.Ratios)
		}
	}
	if r.Bare != (Side{}) || r.Spread != nil || r.SignoffRatio != 0 || r.CPURatio != 0 {
		t.Errorf("bare %+v, spread %v, ratios %v/%v: want none with one side", r.Bare, r.Spread, r.SignoffRatio, r.CPURatio)
	}
	if r.Lianxi.CPUMsPerTask() <= 0 || r.ReplayPerSec <= 0 {
		t.Errorf("CPU per task %v, replay %v: want measured", r.Lianxi.CPUMsPerTask(), r.ReplayPerSec)
	}

	// Bare alone: no lianxi task, so no replay either.
	r, err = Run(context.Background(), Options{Tasks: 4, Ministries: 2, Concurrency: 4, Address: freeAddress(t), DataDir: t.TempDir(), Side: SideBare})
	if err != nil {
		t.Fatal(err)
	}
	if b := r.Bare; r.Side != SideBare || b.Updates.Count != 4*3 || b.UpdateLatency.P99 <= 0 || b.EventsPerTask <= 0 || b.CPUSeconds <= 0 {
		t.Errorf("side %q, bare %+v: want bare measured", r.Side, b)
	}
	if r.Lianxi != (Side{}) || r.ReplayPerSec != 0 || r.Spread != nil {
		t.Errorf("lianxi %+v, replay %v, spread %v: want none with bare alone", r.Lianxi, r.ReplayPerSec, r.Spread)
	}
}

func TestBenchRejectsUnknownSide(t *testing.T) {
	_, err := Run(context.Background(), Options{Tasks: 1, Ministries: 1, Concurrency: 1, Side: "neither"})
	if err == nil || !strings.Contains(err.Error(), `side "neither"`) {
		t.Fatalf("err = %v, want the side named", err)
	}
}

func TestSpread(t *testing.T) {
	for _, tc := range []struct {
		in            []float64
		med, min, max float64
	}{
		{[]float64{0.9}, 0.9, 0.9, 0.9},
		{[]float64{1.2, 0.8}, 1.0, 0.8, 1.2},
		{[]float64{0.7, 1.4, 0.9, 0.8, 1.1}, 0.9, 0.7, 1.4},
	} {
		s := spread(tc.in)
		if s.Median != tc.med || s.Min != tc.min || s.Max != tc.max || len(s.Values) != len(tc.in) || s.Values[0] != tc.in[0] {
			t.Errorf("spread(%v) = %+v, want median %v in [%v, %v], values in order", tc.in, s, tc.med, tc.min, tc.max)
		}
	}
}

// --views-only times the pages alone: no task of either side is run.
func TestBenchViewsOnly(t *testing.T) {
	if _, err := Run(context.Background(), Options{Tasks: 6, Ministries: 3, Concurrency: 4, ViewsOnly: true}); err == nil ||
		!strings.Contains(err.Error(), "--views") {
		t.Errorf("views alone without a number of requests: %v, want an error naming --views", err)
	}
	r, err := Run(context.Background(), Options{Tasks: 6, Ministries: 3, Concurrency: 4, Address: freeAddress(t), DataDir: t.TempDir(),
		ViewRequests: 2, ViewsOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Repetitions != 0 || len(r.Reps) != 0 || r.Bare.Updates.Count != 0 || r.Lianxi.Updates.Count != 0 {
		t.Errorf("views alone also compared with bare Temporal: %+v", r)
	}
	if v := r.Views; v == nil || v.Tasks != 6 || v.Office.P50 <= 0 || v.Inbox.P95 <= 0 || v.Requests != 2 {
		t.Errorf("views not measured: %+v", v)
	}
}

// Repetitions alternate which side goes first, starting with bare.
func TestSidesOrderAlternates(t *testing.T) {
	for i, want := range [][]bool{{false, true}, {true, false}, {false, true}, {true, false}} {
		if got := sidesOrder(i); !slices.Equal(got, want) {
			t.Errorf("repetition %d runs %v (true: lianxi), want %v", i+1, got, want)
		}
	}
}

// The lianxi side's plan is one the starter launches at any size the
// benchmark is run at (task numbers have at most four digits a side).
func TestLianxiSpecsLaunchAt20000(t *testing.T) {
	specs := lianxiSpecs("bench-x", 20000, ministries(5))
	if err := starter.Validate(specs, nil, time.Now()); err != nil {
		t.Fatalf("the 20,000-task plan is refused: %.300v", err)
	}
	if specs[19999].TaskNo != "20.1000" {
		t.Errorf("the last task is %s, want 20.1000", specs[19999].TaskNo)
	}
}
