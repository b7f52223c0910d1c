package main

import (
	"context"
	"lianxi/testkit"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// `lianxi server` on a fresh store, then `plan launch` the moment the
// frontend's port answers: every task starts, on SQLite and on PostgreSQL.
// The port opens before the namespace is in the services' caches (on
// PostgreSQL before it is even registered), so the launch must wait for
// the server rather than fail every start with "namespace not found".
func TestLaunchAsSoonAsServerAnswers(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { launchAsSoonAsServerAnswers(t, nil) })
	t.Run("postgres", func(t *testing.T) {
		launchAsSoonAsServerAnswers(t, []string{"--temporal-db", freshPostgres(t)})
	})
}

func launchAsSoonAsServerAnswers(t *testing.T, store []string) {
	dir, addr := t.TempDir(), freeAddress(t)
	ctx := context.Background()
	if r := lianxi(ctx, "tokens", "init", "--data", dir); r.code != 0 {
		t.Fatalf("tokens init: exit %d %s", r.code, r.stderr)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan result, 1)
	go func() {
		done <- lianxi(sctx, append([]string{"server", "--data", dir, "--temporal-address", addr, "--log-level", "error"}, store...)...)
	}()
	defer func() {
		stop()
		select {
		case r := <-done:
			if r.code != 0 {
				t.Errorf("server exited %d: %s", r.code, r.stderr)
			}
		case <-time.After(time.Minute):
			t.Error("server did not stop")
		}
	}()
	deadline := time.Now().Add(devBound)
	for {
		conn, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			conn.Close()
			break
		}
		select {
		case r := <-done:
			t.Fatalf("server exited %d before its port answered: %s", r.code, r.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server's port %s did not answer within %s", addr, devBound)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r := lianxi(ctx, "plan", "launch", "--bundled", "--data", dir, "--temporal-address", addr, "--log-level", "error")
	if r.code != 0 || !strings.Contains(r.stdout, "25 started, 0 already running") {
		t.Errorf("plan launch as soon as the port answered: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// freshPostgres is a URL for a database that does not exist yet on the
// test command's PostgreSQL server (LIANXI_TEST_PG_DSN), dropped with its
// visibility database after the test; without that server the test skips.
func freshPostgres(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("LIANXI_TEST_PG_DSN")
	if dsn == "" {
		if os.Getenv("LIANXI_REQUIRE_PG") != "" {
			t.Fatal("LIANXI_REQUIRE_PG is set but LIANXI_TEST_PG_DSN is empty: the test command should have started PostgreSQL")
		}
		t.Skip("LIANXI_TEST_PG_DSN is empty (./scripts/test.sh starts a PostgreSQL server)")
	}
	return testkit.UnusedDatabase(t, dsn)
}
