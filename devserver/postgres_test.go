package devserver

import (
	"context"
	"lianxi/testkit"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/common/log"
	"go.uber.org/zap"
)

// testPostgres is the test command's PostgreSQL server, or a skip.
func testPostgres(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("LIANXI_TEST_PG_DSN")
	if dsn == "" {
		if os.Getenv("LIANXI_REQUIRE_PG") != "" {
			t.Fatal("LIANXI_REQUIRE_PG is set but LIANXI_TEST_PG_DSN is empty: the test command should have started PostgreSQL")
		}
		t.Skip("LIANXI_TEST_PG_DSN is empty (./scripts/test.sh starts a PostgreSQL server)")
	}
	return dsn
}

func TestParsePostgresURL(t *testing.T) {
	pc, err := ParsePostgresURL("postgres://tp:s3cret@db.example:6543/temporal?sslmode=require")
	if err != nil {
		t.Fatal(err)
	}
	if pc.Default.ConnectAddr != "db.example:6543" || pc.Default.User != "tp" || pc.Default.Password != "s3cret" ||
		pc.Default.DatabaseName != "temporal" || pc.Visibility.DatabaseName != "temporal_visibility" ||
		pc.Default.ConnectAttributes["sslmode"] != "require" {
		t.Errorf("parsed %+v / %+v", pc.Default, pc.Visibility)
	}
	for _, bad := range []string{"mysql://a@b/c", "postgres://host:5432/", "postgres:///db", "temporal.db"} {
		if _, err := ParsePostgresURL(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	if _, err := ParsePostgresURL("postgres://u:hidden@h/"); err == nil || strings.Contains(err.Error(), "hidden") {
		t.Errorf("error %v should not show the password", err)
	}
}

// Two servers set up one fresh database at once: both succeed, and the
// schema ends at the embedded version.
func TestSetupPostgresTwiceAtOnce(t *testing.T) {
	url := testkit.UnusedDatabase(t, testPostgres(t))
	pc, err := ParsePostgresURL(url)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = SetupPostgres(ctx, pc, log.NewNoopLogger())
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("setup %d: %v", i, err)
		}
	}
	want, wantVis := SchemaVersions()
	for db, v := range map[string]string{pc.Default.DatabaseName: want, pc.Visibility.DatabaseName: wantVis} {
		conn, err := pgx.Connect(ctx, dsn(pc.Default, db))
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = conn.QueryRow(ctx, "SELECT curr_version FROM schema_version").Scan(&got)
		conn.Close(ctx)
		if err != nil || got != v {
			t.Errorf("%s: schema version %q (%v), want %s", db, got, err, v)
		}
	}
}

// The server starts on a fresh database, registers the namespace and the
// search attributes, and a second start reuses all of it. When Start
// returns, the frontend already counts by the attributes: no retry needed.
func TestStartOnPostgres(t *testing.T) {
	url := testkit.UnusedDatabase(t, testPostgres(t))
	attrs := map[string]enumspb.IndexedValueType{"LianxiTestPlan": enumspb.INDEXED_VALUE_TYPE_KEYWORD}
	for run := 1; run <= 2; run++ {
		addr, err := FreeAddress()
		if err != nil {
			t.Fatal(err)
		}
		srv, err := Start(Options{DataDir: t.TempDir(), DB: url, Address: addr, Namespace: "lianxi-test",
			Retention: 24 * time.Hour, SearchAttributes: attrs, Logger: zap.NewNop()})
		if err != nil {
			t.Fatalf("start %d: %v", run, err)
		}
		c, err := client.Dial(client.Options{HostPort: addr, Namespace: "lianxi-test", Logger: quietLogger{}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.WorkflowService().CountWorkflowExecutions(context.Background(), &workflowservice.CountWorkflowExecutionsRequest{
			Namespace: "lianxi-test", Query: "LianxiTestPlan = 'x'"}); err != nil {
			t.Errorf("start %d: the namespace is not usable when Start returns: %v", run, err)
		}
		list, err := c.OperatorService().ListSearchAttributes(context.Background(), &operatorservice.ListSearchAttributesRequest{Namespace: "lianxi-test"})
		if err != nil || list.GetCustomAttributes()["LianxiTestPlan"] != enumspb.INDEXED_VALUE_TYPE_KEYWORD {
			t.Errorf("start %d: search attributes %v (%v)", run, list.GetCustomAttributes(), err)
		}
		c.Close()
		if err := srv.Stop(); err != nil {
			t.Errorf("stop %d: %v", run, err)
		}
	}
}

// On PostgreSQL the services' ports must fit Temporal's smallint membership
// column: a higher port is refused plainly instead of the server exiting.
func TestPostgresRefusesPortsAboveSmallint(t *testing.T) {
	_, err := Start(Options{DataDir: t.TempDir(), DB: "postgres://u@127.0.0.1:1/db", Address: "127.0.0.1:40000", Namespace: "default"})
	if err == nil || !strings.Contains(err.Error(), "smallint") || !strings.Contains(err.Error(), "32761") {
		t.Errorf("Start on port 40000: %v, want a refusal naming the limit", err)
	}
	for range 50 {
		addr, err := FreeAddress()
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := strings.Cut(addr, "127.0.0.1:")
		if n, _ := strconv.Atoi(port); n+maxPortOffset > maxSmallint {
			t.Fatalf("FreeAddress gave %s, too high for PostgreSQL", addr)
		}
	}
}
