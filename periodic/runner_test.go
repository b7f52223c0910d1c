package periodic

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestRunnerOneRunnerAtATime runs two runners, each with its own handle on
// one database, offering the same two jobs. Every period of each job runs
// once across both; when the first holder of a job stops, the other takes
// the job over; each runner's Run returns only once its jobs are done.
func TestRunnerOneRunnerAtATime(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			const every, ttl = 200 * time.Millisecond, time.Second
			hs := open(t, 2)
			var mu sync.Mutex
			runs := map[string]map[int64][]string{"sweep": {}, "upkeep": {}}
			starts := map[string][]string{}
			running := map[string]int{}     // job runs under way, by runner
			ended := map[string]time.Time{} // when each runner's last run ended
			core, logs := observer.New(zap.InfoLevel)
			job := func(lease, holder string) Job {
				return Job{
					Name: lease, Every: every, What: lease,
					Start: Step{Do: func(context.Context) (int, error) {
						mu.Lock()
						defer mu.Unlock()
						starts[lease] = append(starts[lease], holder)
						return 0, nil
					}},
					Run: Step{Done: lease + " did", Count: "things", Failed: lease + " failed", Do: func(ctx context.Context) (int, error) {
						mu.Lock()
						k := time.Now().UnixNano() / int64(every)
						runs[lease][k] = append(runs[lease][k], holder)
						running[holder]++
						mu.Unlock()
						// A run that takes its period and does not stop
						// for ctx: Run must still wait for it.
						time.Sleep(every * 3 / 4)
						mu.Lock()
						running[holder]--
						ended[holder] = time.Now()
						mu.Unlock()
						return 1, nil
					}},
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stops := make([]context.CancelFunc, 2)
			done := make([]chan struct{}, 2)
			for i, h := range hs {
				holder := fmt.Sprint("runner-", i)
				r := New(h, holder, zap.New(core), job("sweep", holder), job("upkeep", holder))
				r.TTL = ttl
				rctx, stop := context.WithCancel(ctx)
				stops[i], done[i] = stop, make(chan struct{})
				go func() {
					defer close(done[i])
					if err := r.Run(rctx); err != nil {
						t.Error(err)
					}
				}()
			}
			// ran counts, for each job, the periods run by holder (any
			// holder when "") after the period from.
			ran := func(lease, holder string, from int64) int {
				mu.Lock()
				defer mu.Unlock()
				n := 0
				for k, who := range runs[lease] {
					if k > from && (holder == "" || who[0] == holder) {
						n++
					}
				}
				return n
			}
			waitRuns := func(holder string, from int64) {
				t.Helper()
				deadline := time.Now().Add(15 * time.Second)
				for ran("sweep", holder, from) < 4 || ran("upkeep", holder, from) < 4 {
					if time.Now().After(deadline) {
						t.Fatalf("periods of both jobs not run by %q after period %d within 15 s", holder, from)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			waitRuns("", 0)
			// Stop the runner holding the sweep: its Run returns with its
			// jobs done, and the other runner takes them over.
			mu.Lock()
			first, last := "", int64(0)
			for k, who := range runs["sweep"] {
				if k > last {
					first, last = who[0], k
				}
			}
			mu.Unlock()
			i := map[string]int{"runner-0": 0, "runner-1": 1}[first]
			second := fmt.Sprint("runner-", 1-i)
			stops[i]()
			<-done[i]
			returned := time.Now()
			mu.Lock()
			if running[first] != 0 {
				t.Errorf("Run returned with %d job runs of %s under way", running[first], first)
			}
			stoppedAt := time.Now().UnixNano() / int64(every)
			mu.Unlock()
			waitRuns(second, stoppedAt)
			mu.Lock()
			if last := ended[first]; last.After(returned) {
				t.Errorf("a run of %s ended %s after its Run returned", first, last.Sub(returned))
			}
			mu.Unlock()
			if n := ran("sweep", first, stoppedAt); n != 0 {
				t.Errorf("%s ran %d periods after its Run returned", first, n)
			}
			stops[1-i]()
			<-done[1-i]

			mu.Lock()
			defer mu.Unlock()
			for lease, byPeriod := range runs {
				holders := map[string]bool{}
				for k, who := range byPeriod {
					if len(who) != 1 {
						t.Errorf("%s: period %d ran %d times (%v)", lease, k, len(who), who)
					}
					holders[who[0]] = true
				}
				if !holders[second] {
					t.Errorf("%s: periods ran by %v, want %s among them after the takeover", lease, holders, second)
				}
				if len(starts[lease]) > 2 || len(starts[lease]) == 0 || starts[lease][len(starts[lease])-1] != second {
					t.Errorf("%s: started by %v, want at most once by %s and then by %s", lease, starts[lease], first, second)
				}
			}
			did := logs.FilterMessage("sweep did").All()
			if len(did) == 0 {
				t.Fatal("no run logged")
			}
			f := did[0].ContextMap()
			if f["lease"] != "sweep" || f["things"] != int64(1) || (f["holder"] != first && f["holder"] != second) {
				t.Errorf("run logged with %v, want the lease, the holder and the count", f)
			}
		})
	}
}

// TestRunnerRefusesBadJobs: a runner with a job it cannot run starts none.
func TestRunnerRefusesBadJobs(t *testing.T) {
	l := backends(t)["sqlite"](t, 1)[0]
	ok := Job{Name: "a", Every: time.Second, Run: Step{Do: func(context.Context) (int, error) { return 0, nil }}}
	for _, tc := range []struct {
		name string
		jobs []Job
	}{
		{"no name", []Job{{Every: time.Second, Run: ok.Run}}},
		{"no period", []Job{{Name: "a", Run: ok.Run}}},
		{"nothing to run", []Job{{Name: "a", Every: time.Second}}},
		{"a lease twice", []Job{ok, ok}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := New(l, "h", zap.NewNop(), tc.jobs...).Run(ctx)
		cancel()
		if !errors.Is(err, ErrBadLease) {
			t.Errorf("%s: got %v, want ErrBadLease", tc.name, err)
		}
	}
}
