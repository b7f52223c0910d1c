package bench

import (
	"context"
	"fmt"
	"syscall"

	"go.temporal.io/sdk/client"
)

// The sides a run measures: both, for the comparison, or one alone, so a
// CPU profile (--cpuprofile) or the database's statistics show that side's
// work without the other's mixed in. A one-side run reports that side's
// figures and no ratios.
const (
	SideBoth   = "both"
	SideBare   = "bare"
	SideLianxi = "lianxi"
)

// side returns o.Side checked, "" meaning both.
func (o Options) side() (string, error) {
	switch o.Side {
	case "", SideBoth:
		return SideBoth, nil
	case SideBare, SideLianxi:
		return o.Side, nil
	}
	return "", fmt.Errorf("bench: side %q: want %s, %s or %s", o.Side, SideBoth, SideBare, SideLianxi)
}

// measures says whether the run measures the lianxi side (lianxi true) or
// the bare one.
func (o Options) measures(lianxi bool) bool {
	switch o.Side {
	case SideBare:
		return !lianxi
	case SideLianxi:
		return lianxi
	}
	return true
}

// warmUp runs the measured paths briefly (task queues, connections,
// caches) before timing.
func warmUp(ctx context.Context, c client.Client, o Options) error {
	warm := o
	warm.Tasks, warm.Concurrency = min(o.Concurrency, 8), min(o.Concurrency, 8)
	if o.measures(false) {
		if _, err := runBare(ctx, c, warm, "warm-"); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	if o.measures(true) {
		if _, _, err := runLianxi(ctx, c, warm); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	return nil
}

// cpuSeconds is the CPU time (user and system) this process has used so
// far: the embedded server's, the workers' and the callers'. A database
// server in its own process (PostgreSQL) is not in it.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// CPUMsPerTask is a side's process CPU per task, launch and sign-offs, in
// milliseconds.
func (s Side) CPUMsPerTask() float64 {
	if s.Launch.Count == 0 {
		return 0
	}
	return s.CPUSeconds * 1000 / float64(s.Launch.Count)
}
