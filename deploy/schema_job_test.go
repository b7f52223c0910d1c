package deploy

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql" // the SQL tool's PostgreSQL plugin
	sqltool "go.temporal.io/server/tools/sql"

	"lianxi/devserver"
)

// TestMain lets the test binary stand in for Temporal's SQL tool of the
// release go.mod names, which the schema job's image ships: started under
// the name temporal-sql-tool, it runs that tool.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "temporal-sql-tool" {
		if err := sqltool.RunTool(os.Args); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The temporal-schema job's script, run twice against a PostgreSQL server
// (the second run is a restart of the job on a set-up database), leaves
// both schemas at the versions the embedded server expects.
func TestComposeSchemaJob(t *testing.T) {
	dsn := os.Getenv("LIANXI_TEST_PG_DSN")
	if dsn == "" {
		if os.Getenv("LIANXI_REQUIRE_PG") != "" {
			t.Fatal("LIANXI_REQUIRE_PG is set but LIANXI_TEST_PG_DSN is empty")
		}
		t.Skip("LIANXI_TEST_PG_DSN is empty (./scripts/test.sh starts a PostgreSQL server)")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	// The script names its databases temporal and temporal_visibility; a
	// prefix of the test's own keeps them apart from other tests.
	prefix := fmt.Sprintf("job%d_", time.Now().UnixNano())
	t.Cleanup(func() { dropDatabases(dsn, prefix+"temporal", prefix+"temporal_visibility") })
	job := loadCompose(t).Services["temporal-schema"]
	script := strings.Join(job.Command, "\n")
	script = strings.ReplaceAll(script, "db=temporal;", "db="+prefix+"temporal;")
	script = strings.ReplaceAll(script, "db=temporal_", "db="+prefix+"temporal_")
	if !strings.Contains(script, prefix) {
		t.Fatalf("the job's script no longer sets db=temporal…: update this test\n%s", script)
	}
	bin := t.TempDir()
	self, _ := os.Executable()
	if err := os.Symlink(self, filepath.Join(bin, "temporal-sql-tool")); err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	env := append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"),
		"SQL_PLUGIN=postgres12", "SQL_HOST="+u.Hostname(), "SQL_PORT="+u.Port(), "SQL_USER="+u.User.Username(), "SQL_PASSWORD="+pw)
	for run := 1; run <= 2; run++ {
		cmd := exec.Command("sh", "-c", script)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("run %d of the schema job: %v\n%s", run, err, out)
		}
	}
	want, wantVis := devserver.SchemaVersions()
	for db, v := range map[string]string{prefix + "temporal": want, prefix + "temporal_visibility": wantVis} {
		if got := schemaVersion(t, dsn, db); got != v {
			t.Errorf("%s: schema version %q, want %s", db, got, v)
		}
	}
}

func withDatabase(dsn, db string) string {
	u, _ := url.Parse(dsn)
	u.Path = "/" + db
	return u.String()
}

func schemaVersion(t *testing.T, dsn, db string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, withDatabase(dsn, db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SELECT curr_version FROM schema_version").Scan(&v); err != nil {
		t.Fatalf("%s: %v", db, err)
	}
	return v
}

func dropDatabases(dsn string, names ...string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	for _, n := range names {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+n+" WITH (FORCE)")
	}
}
