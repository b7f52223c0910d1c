package board

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"lianxi/ledger"
	"lianxi/periodic"
)

// TestUpkeepOnceAmongThreeProcesses runs the board's upkeep in three
// processes on one ledger file, each with its own handle: the seeding
// runs in one of them (again after a failure, as while Temporal starts),
// and every period's sweep runs once, not three times.
func TestUpkeepOnceAmongThreeProcesses(t *testing.T) {
	const every = 200 * time.Millisecond
	path := filepath.Join(t.TempDir(), "ledger.db")
	core, logs := observer.New(zapcore.DebugLevel)
	var mu sync.Mutex
	seeds, failed, ends := map[string]int{}, 0, 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for i := range 3 {
		store, err := ledger.OpenSQLite(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		holder := periodic.Holder(fmt.Sprint("serve-", i))
		job := UpkeepJob(
			func(context.Context) (int, error) {
				mu.Lock()
				defer mu.Unlock()
				if failed == 0 {
					failed++
					return 0, errors.New("namespace default is not found")
				}
				seeds[holder]++
				return 2, nil
			},
			func(context.Context) (int, error) {
				mu.Lock()
				defer mu.Unlock()
				ends++
				return 0, nil
			})
		if job.Name != "board" || job.Every != 5*time.Minute {
			t.Fatalf("board upkeep: lease %q every %s, want board every 5m0s", job.Name, job.Every)
		}
		job.Every = every
		r := periodic.New(periodic.NewLeases(store), holder, zap.New(core), job)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Run(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	// sweeps are the periods swept, by holder, as the runners log them.
	sweeps := func() map[int64][]string {
		out := map[int64][]string{}
		for _, e := range logs.FilterMessage("periodic job ran").All() {
			f := e.ContextMap()
			k := f["period"].(time.Time).UnixNano() / int64(every)
			out[k] = append(out[k], f["holder"].(string))
		}
		return out
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(sweeps()) < 8 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	swept := sweeps()
	if len(seeds) != 1 || failed != 1 {
		t.Errorf("seeded by %v after %d failure, want once by one process after the failure", seeds, failed)
	}
	if len(swept) < 8 || ends != len(swept) {
		t.Errorf("%d periods swept, %d sweeps: want at least 8 periods, one sweep each", len(swept), ends)
	}
	for k, who := range swept {
		if len(who) != 1 {
			t.Errorf("period %d swept %d times (%v)", k, len(who), who)
		}
	}
	if n := logs.FilterMessage("board seeded from visibility").FilterField(zap.Int("tasks", 2)).Len(); n != 1 {
		t.Errorf("seeding logged %d times with its count, want once", n)
	}
	if n := logs.FilterMessage("board upkeep").FilterFieldKey("lease").Len(); n != 1 {
		t.Errorf("the failed seeding warned %d times, want once", n)
	}
}
