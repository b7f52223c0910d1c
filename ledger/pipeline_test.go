package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// A statement the database refuses in the middle of a group fails that
// decision alone: the others are recorded with their board rows, nothing of
// the failed one is, no connection is left inside a transaction, and the
// ledger goes on taking appends.
func TestDatabaseFailureInAGroup(t *testing.T) {
	for name, open := range appendPaths(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			taskRows(t, s)
			const n = 40
			refused := func(ctx context.Context, exec func(string, ...any) error) error {
				return exec(`INSERT INTO no_such_table (x) VALUES (?)`, 1)
			}
			failing := func(i int) bool { return i%9 == 4 }
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					also := []Also{putRow(fmt.Sprintf("plan/2.%d", i), 1)}
					if failing(i) {
						also = append(also, refused)
					}
					_, errs[i] = s.Append(ctx, entry(fmt.Sprintf("d%d", i), i), also...)
				}()
			}
			wg.Wait()
			want := 0
			for i := range n {
				switch {
				case failing(i) && (errs[i] == nil || !strings.Contains(errs[i].Error(), fmt.Sprintf("d%d", i))):
					t.Errorf("append %d: error %v, want one naming d%d", i, errs[i], i)
				case !failing(i) && errs[i] != nil:
					t.Errorf("append %d failed with another's refusal: %v", i, errs[i])
				case !failing(i):
					want++
				}
			}
			res, err := Verify(ctx, s)
			if err != nil || !res.OK || res.Count != int64(want) {
				t.Fatalf("verify: %+v %v; want %d records", res, err, want)
			}
			rows := readRows(t, s)
			for id := range rows {
				var i int
				fmt.Sscanf(id, "plan/2.%d", &i)
				if failing(i) {
					t.Errorf("row of refused append %d was written", i)
				}
			}
			if len(rows) != want {
				t.Errorf("%d board rows, want %d", len(rows), want)
			}
			if s.Dialect() == "postgres" {
				var stuck int
				if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
					WHERE datname = current_database() AND state LIKE 'idle in transaction%'`).Scan(&stuck); err != nil || stuck != 0 {
					t.Errorf("%d connections idle inside a transaction (%v)", stuck, err)
				}
			}
			if _, err := s.Append(ctx, entry("after", n), putRow("plan/3.1", 1)); err != nil {
				t.Fatalf("append after the refusals: %v", err)
			}
			if res, err := Verify(ctx, s); err != nil || !res.OK || res.Count != int64(want+1) {
				t.Fatalf("verify after: %+v %v", res, err)
			}
		})
	}
}

// BenchmarkAppendParallel appends from 1, 32 and 64 goroutines at once,
// each entry with its task row (as workers write the board), and reports appends/s and the
// p50, p99, p99.9 and maximum of one append. The maximum is what group
// commit's fairness bounds: a caller waits for at most its own group and
// the one being written when it arrived (each at most maxGroup appends).
// On PostgreSQL it runs the pipelined path (one round trip per group once
// the store knows the ledger's head), the pipelined path kept to two round
// trips, and the statement-by-statement one, in the same run:
//
//	LIANXI_TEST_PG_DSN=… go test -run ^$ -bench AppendParallel -benchtime 2000x ./ledger/
//	go test -run ^$ -bench 'AppendParallel/.*/c64' -benchtime 60s ./ledger/   (the tail over a minute)
func BenchmarkAppendParallel(b *testing.B) {
	t := &testing.T{}
	for name, open := range appendPaths(t) {
		for _, workers := range []int{1, 32, 64} {
			b.Run(fmt.Sprintf("%s/c%d", name, workers), func(b *testing.B) {
				s := open(t)
				defer s.Close()
				taskRows(b, s)
				ctx := context.Background()
				lat := make([]time.Duration, b.N)
				var next sync.Mutex
				i := 0
				b.ResetTimer()
				start := time.Now()
				var wg sync.WaitGroup
				for range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							next.Lock()
							k := i
							i++
							next.Unlock()
							if k >= b.N {
								return
							}
							t0 := time.Now()
							if _, err := s.Append(ctx, entry(fmt.Sprintf("b%d", k), k), putRow(fmt.Sprintf("plan/9.%d", k), 1)); err != nil {
								b.Error(err)
								return
							}
							lat[k] = time.Since(t0)
						}
					}()
				}
				wg.Wait()
				el := time.Since(start)
				b.StopTimer()
				slices.Sort(lat)
				b.ReportMetric(float64(b.N)/el.Seconds(), "appends/s")
				b.ReportMetric(float64(lat[b.N/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[b.N*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(lat[b.N*999/1000].Microseconds())/1000, "p99.9-ms")
				b.ReportMetric(float64(lat[b.N-1].Microseconds())/1000, "max-ms")
			})
		}
	}
}
