package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"lianxi/ledger"
)

// TestBoardUpkeepOnceAmongThreeProcesses runs the board's upkeep in three
// processes on one ledger file, each with its own handle: the seeding
// runs in one of them (again after a failure, as while Temporal starts),
// and every period's sweep runs once, not three times.
func TestBoardUpkeepOnceAmongThreeProcesses(t *testing.T) {
	const every = 200 * time.Millisecond
	path := filepath.Join(t.TempDir(), "ledger.db")
	a := &app{log: zap.NewNop()}
	var mu sync.Mutex
	seeds, failed, ends := map[string]int{}, 0, 0
	sweeps := map[int64][]string{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for i := range 3 {
		store, err := ledger.OpenSQLite(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		holder := leaseHolder(fmt.Sprint("serve-", i))
		p := a.boardUpkeep(holder, every,
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
		run := p.Run
		p.Run = func(ctx context.Context, period time.Time) error {
			mu.Lock()
			k := period.UnixNano() / int64(every)
			sweeps[k] = append(sweeps[k], holder)
			mu.Unlock()
			return run(ctx, period)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := store.RunPeriodic(ctx, p); err != nil {
				t.Error(err)
			}
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(sweeps)
		mu.Unlock()
		if n >= 8 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(seeds) != 1 || failed != 1 {
		t.Errorf("seeded by %v after %d failure, want once by one process after the failure", seeds, failed)
	}
	if len(sweeps) < 8 || ends != len(sweeps) {
		t.Errorf("%d periods swept, %d sweeps: want at least 8 periods, one sweep each", len(sweeps), ends)
	}
	for k, who := range sweeps {
		if len(who) != 1 {
			t.Errorf("period %d swept %d times (%v)", k, len(who), who)
		}
	}
}
