package periodic

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLeaseTakenRenewedAndHandedOver(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t, 1)[0]
			t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
			must := func(want bool, got bool, err error, what string) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if got != want {
					t.Fatalf("%s: got %v, want %v", what, got, want)
				}
			}
			ok, err := s.AcquireLease(ctx, "sweep", "a", time.Minute, t0)
			must(true, ok, err, "a takes a free lease")
			ok, err = s.AcquireLease(ctx, "sweep", "b", time.Minute, t0.Add(30*time.Second))
			must(false, ok, err, "b asks while a holds it")
			ok, err = s.AcquireLease(ctx, "sweep", "a", time.Minute, t0.Add(50*time.Second))
			must(true, ok, err, "a renews")
			ok, err = s.AcquireLease(ctx, "sweep", "b", time.Minute, t0.Add(90*time.Second))
			must(false, ok, err, "b asks before a's renewal runs out")
			if h, err := s.LeaseHolder(ctx, "sweep", t0.Add(90*time.Second)); err != nil || h != "a" {
				t.Fatalf("holder: %q %v, want a", h, err)
			}
			// Another lease is another row.
			ok, err = s.AcquireLease(ctx, "seed", "b", time.Minute, t0)
			must(true, ok, err, "b takes another lease")

			ok, err = s.ClaimPeriod(ctx, "sweep", "a", 7, t0.Add(100*time.Second))
			must(true, ok, err, "a claims period 7")
			ok, err = s.ClaimPeriod(ctx, "sweep", "a", 7, t0.Add(100*time.Second))
			must(false, ok, err, "a claims period 7 again")
			ok, err = s.ClaimPeriod(ctx, "sweep", "b", 8, t0.Add(100*time.Second))
			must(false, ok, err, "b claims without the lease")

			// a's lease runs out at t0+110 s: b takes it, and a can neither
			// renew nor claim.
			ok, err = s.AcquireLease(ctx, "sweep", "b", time.Minute, t0.Add(110*time.Second))
			must(true, ok, err, "b takes the lease once a's ran out")
			ok, err = s.AcquireLease(ctx, "sweep", "a", time.Minute, t0.Add(111*time.Second))
			must(false, ok, err, "a renews after losing it")
			ok, err = s.ClaimPeriod(ctx, "sweep", "a", 8, t0.Add(111*time.Second))
			must(false, ok, err, "a claims after losing it")
			ok, err = s.ClaimPeriod(ctx, "sweep", "b", 7, t0.Add(111*time.Second))
			must(false, ok, err, "b claims the period a ran")
			ok, err = s.ClaimPeriod(ctx, "sweep", "b", 8, t0.Add(111*time.Second))
			must(true, ok, err, "b claims the next period")

			// Released, it is free at once.
			if err := s.ReleaseLease(ctx, "sweep", "a"); err != nil {
				t.Fatal(err)
			}
			if h, _ := s.LeaseHolder(ctx, "sweep", t0.Add(112*time.Second)); h != "b" {
				t.Fatalf("a's release (a holds nothing) freed b's lease: holder %q", h)
			}
			if err := s.ReleaseLease(ctx, "sweep", "b"); err != nil {
				t.Fatal(err)
			}
			ok, err = s.AcquireLease(ctx, "sweep", "c", time.Minute, t0.Add(113*time.Second))
			must(true, ok, err, "c takes a released lease")
			ok, err = s.ClaimPeriod(ctx, "sweep", "c", 8, t0.Add(113*time.Second))
			must(false, ok, err, "c claims the period b ran, after a release")
		})
	}
}

func TestLeaseRefusesBadRequests(t *testing.T) {
	s := backends(t)["sqlite"](t, 1)[0]
	ctx := context.Background()
	now := time.Now()
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"no name", func() error { _, err := s.AcquireLease(ctx, " ", "a", time.Minute, now); return err }},
		{"no holder", func() error { _, err := s.AcquireLease(ctx, "x", "", time.Minute, now); return err }},
		{"no life", func() error { _, err := s.AcquireLease(ctx, "x", "a", 0, now); return err }},
		{"period zero", func() error { _, err := s.ClaimPeriod(ctx, "x", "a", 0, now); return err }},
		{"release without holder", func() error { return s.ReleaseLease(ctx, "x", "") }},
		{"no period length", func() error {
			return s.run(ctx, offer{Name: "x", Holder: "a", Run: func(context.Context, time.Time) error { return nil }})
		}},
		{"nothing to run", func() error { return s.run(ctx, offer{Name: "x", Holder: "a", Every: time.Second}) }},
	} {
		if err := tc.call(); !errors.Is(err, ErrBadLease) {
			t.Errorf("%s: got %v, want ErrBadLease", tc.name, err)
		}
	}
}

// TestLeaseOneWinnerAmongRacers has eight processes ask for a free lease
// at the same moment: exactly one gets it.
func TestLeaseOneWinnerAmongRacers(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			hs := open(t, 8)
			now := time.Now()
			var wins atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, h := range hs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					ok, err := h.AcquireLease(context.Background(), "race", fmt.Sprint("p", i), time.Minute, now)
					if err != nil {
						t.Error(err)
					}
					if ok {
						wins.Add(1)
					}
				}()
			}
			close(start)
			wg.Wait()
			if n := wins.Load(); n != 1 {
				t.Fatalf("%d processes got the lease, want 1", n)
			}
		})
	}
}

// TestPeriodicRunsOncePerPeriod runs three processes offering the same
// periodic work, each with its own database handle. Midway the holder is
// killed (its lease left to run out), and later the next holder stops
// cleanly; every period from the first to the last runs exactly once, and
// Start runs once for each process that took over.
func TestPeriodicRunsOncePerPeriod(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			// A lease renewed every ttl/3 is lost only to a renewal late by
			// more than 600 ms: not by a test machine under load.
			const every, ttl = 200 * time.Millisecond, time.Second
			hs := open(t, 3)
			var mu sync.Mutex
			runs := map[int64][]string{}
			starts := map[string]int{}
			var holder atomic.Value
			holder.Store("")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stops := make([]context.CancelFunc, len(hs))
			var wg sync.WaitGroup
			for i, h := range hs {
				name := fmt.Sprint("process-", i)
				pctx, stop := context.WithCancel(ctx)
				stops[i] = stop
				p := offer{
					Name: "board-sweep", Holder: name, Every: every, TTL: ttl,
					Start: func(context.Context) error {
						mu.Lock()
						defer mu.Unlock()
						starts[name]++
						holder.Store(name)
						return nil
					},
					Run: func(_ context.Context, period time.Time) error {
						mu.Lock()
						defer mu.Unlock()
						k := period.UnixNano() / int64(every)
						runs[k] = append(runs[k], name)
						return nil
					},
					OnError: func(err error) { t.Logf("%s: %v", name, err) },
					// The first holder is killed, not stopped.
					keepOnStop: true,
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := h.run(pctx, p); err != nil {
						t.Error(err)
					}
				}()
			}
			waitHolder := func(not string) string {
				t.Helper()
				deadline := time.Now().Add(10 * time.Second)
				for time.Now().Before(deadline) {
					if h := holder.Load().(string); h != "" && h != not {
						return h
					}
					time.Sleep(10 * time.Millisecond)
				}
				t.Fatalf("no process other than %q took the lease", not)
				return ""
			}
			index := func(name string) int {
				var i int
				fmt.Sscanf(name, "process-%d", &i)
				return i
			}
			first := waitHolder("")
			time.Sleep(6 * every)
			stops[index(first)]() // killed: its lease stays until it runs out
			second := waitHolder(first)
			time.Sleep(6 * every)
			stops[index(second)]()
			third := waitHolder(second)
			time.Sleep(6 * every)
			cancel()
			wg.Wait()

			mu.Lock()
			defer mu.Unlock()
			if len(starts) != 3 || starts[first] != 1 || starts[second] != 1 || starts[third] != 1 {
				t.Errorf("starts %v: want once by each of %s, %s, %s", starts, first, second, third)
			}
			lo, hi := int64(-1), int64(-1)
			for k, who := range runs {
				if len(who) != 1 {
					t.Errorf("period %d ran %d times (%v)", k, len(who), who)
				}
				if lo < 0 || k < lo {
					lo = k
				}
				hi = max(hi, k)
			}
			// The kill leaves up to ttl+ttl/3 without a holder, the stop up
			// to ttl/3: those periods are not run, and are not counted
			// against anyone. The rest must each run once.
			missing := 0
			for k := lo; k <= hi; k++ {
				if len(runs[k]) == 0 {
					missing++
				}
			}
			gaps := int((ttl+2*ttl/3)/every) + 3
			if len(runs) < 12 || missing > gaps {
				t.Errorf("%d periods run from %d to %d, %d missing: want at least 12 and at most %d missing (the kill's and the stop's gaps)", len(runs), lo, hi, missing, gaps)
			}
			holders := map[string]bool{}
			for _, who := range runs {
				holders[who[0]] = true
			}
			if len(holders) != 3 {
				t.Errorf("periods ran in %v, want all three processes in turn", holders)
			}
		})
	}
}
