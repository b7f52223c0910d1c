package devserver

import (
	"context"
	"lianxi/testkit"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/log"
)

// Two servers seed the namespace into one fresh database at once: both
// succeed and the database holds it once.
func TestSeedNamespaceTwiceAtOnce(t *testing.T) {
	url := testkit.UnusedDatabase(t, testPostgres(t))
	pc, err := ParsePostgresURL(url)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := SetupPostgres(ctx, pc, log.NewNoopLogger()); err != nil {
		t.Fatal(err)
	}
	opts := Options{DataDir: t.TempDir(), Namespace: "lianxi-seed", Retention: 24 * time.Hour,
		SearchAttributes: map[string]enumspb.IndexedValueType{"LianxiTestPlan": enumspb.INDEXED_VALUE_TYPE_KEYWORD}}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = seedNamespace(pc.Default, opts)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("seed %d: %v", i, err)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM namespaces WHERE name = $1", "lianxi-seed").Scan(&n); err != nil || n != 1 {
		t.Errorf("namespaces named lianxi-seed: %d (%v), want 1", n, err)
	}
}
