package bench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/client"

	"lianxi/ledger"
)

// Ratios are one repetition's figures, lianxi over bare.
type Ratios struct {
	Launch  float64 `json:"launch_ratio"`
	Signoff float64 `json:"signoff_ratio"`
	P50     float64 `json:"p50_ratio"`
	P99     float64 `json:"p99_ratio"`
	// Events is history events per task.
	Events float64 `json:"events_ratio"`
	// CPU is this process's CPU time per task (see Side.CPUSeconds).
	CPU float64 `json:"cpu_ratio"`
}

// Rep is one repetition: bare and lianxi, each on N fresh tasks, one after
// the other (which goes first alternates, see sidesOrder). Its ratios pair
// the two sides measured next to each other, so a slow spell on the shared
// machine weighs on both.
type Rep struct {
	Bare   Side   `json:"bare"`
	Lianxi Side   `json:"lianxi"`
	Ratios Ratios `json:"ratios"`
}

// Spread is one ratio over the repetitions: its median, the range, and
// every value in the order measured.
type Spread struct {
	Median float64   `json:"median"`
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
	Values []float64 `json:"values"`
}

func spread(vs []float64) Spread {
	s := slices.Clone(vs)
	slices.Sort(s)
	return Spread{Median: median(s), Min: s[0], Max: s[len(s)-1], Values: vs}
}

// median of sorted values; the mean of the middle two for an even count.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// measureReps alternates bare and lianxi o.Reps times and fills r with the
// medians of every figure, the spread of every ratio and each repetition.
// It returns the last repetition's lianxi workflow IDs.
func measureReps(ctx context.Context, c client.Client, store *ledger.SQLStore, o Options, r *Report) ([]string, error) {
	var lianxiIDs [][]string
	for i := 0; i < o.Reps; i++ {
		var rep Rep
		var ids []string
		// Every other repetition runs lianxi first (bare, lianxi; lianxi,
		// bare; …), so a run that drifts (a growing database, a warming
		// cache) favours neither side.
		for _, lianxi := range sidesOrder(i) {
			if !o.measures(lianxi) {
				continue
			}
			if !lianxi {
				var err error
				cpu := cpuSeconds()
				if rep.Bare, err = runBare(ctx, c, o, repPrefix(i)); err != nil {
					return nil, fmt.Errorf("bare, repetition %d: %w", i+1, err)
				}
				rep.Bare.CPUSeconds = cpuSeconds() - cpu
				continue
			}
			before, err := ledgerCount(ctx, store)
			if err != nil {
				return nil, err
			}
			var side Side
			cpu := cpuSeconds()
			if ids, side, err = runLianxi(ctx, c, o); err != nil {
				return nil, fmt.Errorf("lianxi, repetition %d: %w", i+1, err)
			}
			side.CPUSeconds = cpuSeconds() - cpu
			after, err := ledgerCount(ctx, store)
			if err != nil {
				return nil, err
			}
			side.LedgerAppendsS = float64(after-before) / (side.Launch.Elapsed + side.Updates.Elapsed).Seconds()
			rep.Lianxi = side
		}
		r.Reps = append(r.Reps, rep)
		lianxiIDs = append(lianxiIDs, ids)
	}
	// History lengths are read once every repetition's timing is done.
	for i := range r.Reps {
		rep := &r.Reps[i]
		var err error
		if o.measures(true) {
			if rep.Lianxi.EventsPerTask, err = eventsPerTask(ctx, c, lianxiIDs[i]); err != nil {
				return nil, err
			}
		}
		if o.measures(false) {
			if rep.Bare.EventsPerTask, err = eventsPerTask(ctx, c, bareIDs(repPrefix(i), o.Tasks)); err != nil {
				return nil, err
			}
		}
		if o.Side != SideBoth {
			continue
		}
		b, l := rep.Bare, rep.Lianxi
		rep.Ratios = Ratios{
			Launch:  l.Launch.PerSec / b.Launch.PerSec,
			Signoff: l.Updates.PerSec / b.Updates.PerSec,
			P50:     float64(l.UpdateLatency.P50) / float64(b.UpdateLatency.P50),
			P99:     float64(l.UpdateLatency.P99) / float64(b.UpdateLatency.P99),
			Events:  l.EventsPerTask / b.EventsPerTask,
			CPU:     l.CPUMsPerTask() / b.CPUMsPerTask(),
		}
	}
	if o.Side == SideBoth {
		r.Spread = map[string]Spread{}
		for name, f := range map[string]func(Ratios) float64{
			"launch_ratio":  func(x Ratios) float64 { return x.Launch },
			"signoff_ratio": func(x Ratios) float64 { return x.Signoff },
			"p50_ratio":     func(x Ratios) float64 { return x.P50 },
			"p99_ratio":     func(x Ratios) float64 { return x.P99 },
			"events_ratio":  func(x Ratios) float64 { return x.Events },
			"cpu_ratio":     func(x Ratios) float64 { return x.CPU },
		} {
			vs := make([]float64, len(r.Reps))
			for i, rep := range r.Reps {
				vs[i] = f(rep.Ratios)
			}
			r.Spread[name] = spread(vs)
		}
		r.LaunchRatio = r.Spread["launch_ratio"].Median
		r.SignoffRatio = r.Spread["signoff_ratio"].Median
		r.P50Ratio = r.Spread["p50_ratio"].Median
		r.P99Ratio = r.Spread["p99_ratio"].Median
		r.EventsRatio = r.Spread["events_ratio"].Median
		r.CPURatio = r.Spread["cpu_ratio"].Median
	}
	r.Bare = medianSide(r.Reps, func(x Rep) Side { return x.Bare })
	r.Lianxi = medianSide(r.Reps, func(x Rep) Side { return x.Lianxi })
	return lianxiIDs[len(lianxiIDs)-1], nil // nil when lianxi was not measured
}

// sidesOrder is the order of repetition i's sides, true for lianxi:
// bare first in even repetitions, lianxi first in odd ones.
func sidesOrder(i int) []bool {
	if i%2 == 1 {
		return []bool{true, false}
	}
	return []bool{false, true}
}

// repPrefix keeps each repetition's bare workflow IDs apart.
func repPrefix(i int) string { return fmt.Sprintf("r%d-", i+1) }

// medianSide takes every figure's median over the repetitions, each on its
// own (so the result need not be any one repetition); Resent is the total.
func medianSide(reps []Rep, side func(Rep) Side) Side {
	of := func(f func(Side) float64) float64 {
		vs := make([]float64, len(reps))
		for i, x := range reps {
			vs[i] = f(side(x))
		}
		slices.Sort(vs)
		return median(vs)
	}
	dur := func(f func(Side) time.Duration) time.Duration {
		return time.Duration(of(func(s Side) float64 { return float64(f(s)) }))
	}
	first := side(reps[0])
	out := Side{
		Launch: Phase{Count: first.Launch.Count, Elapsed: dur(func(s Side) time.Duration { return s.Launch.Elapsed }),
			PerSec: of(func(s Side) float64 { return s.Launch.PerSec })},
		Updates: Phase{Count: first.Updates.Count, Elapsed: dur(func(s Side) time.Duration { return s.Updates.Elapsed }),
			PerSec: of(func(s Side) float64 { return s.Updates.PerSec })},
		UpdateLatency: Latency{
			P50: dur(func(s Side) time.Duration { return s.UpdateLatency.P50 }),
			P95: dur(func(s Side) time.Duration { return s.UpdateLatency.P95 }),
			P99: dur(func(s Side) time.Duration { return s.UpdateLatency.P99 }),
		},
		TaskSeconds:    of(func(s Side) float64 { return s.TaskSeconds }),
		EventsPerTask:  of(func(s Side) float64 { return s.EventsPerTask }),
		LedgerAppendsS: of(func(s Side) float64 { return s.LedgerAppendsS }),
		CPUSeconds:     of(func(s Side) float64 { return s.CPUSeconds }),
	}
	for _, x := range reps {
		out.Resent += side(x).Resent
	}
	return out
}
