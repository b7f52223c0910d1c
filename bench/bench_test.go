package bench

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"lianxi/devserver"
)

func freeAddress(t *testing.T) string {
	t.Helper()
	addr, err := devserver.FreeAddress()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// A quick run of the benchmark as a smoke test: every figure is measured;
// no speed is asserted (the machine is shared, see BENCHMARKS.md).
func TestBenchSmoke(t *testing.T) {
	r, err := Run(context.Background(), Options{Tasks: 6, Ministries: 3, Concurrency: 4, Address: freeAddress(t), DataDir: t.TempDir(), ViewRequests: 3})
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, r, "sqlite")
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
