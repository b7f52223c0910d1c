package testkit

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresDSN is the PostgreSQL server the test command started
// (LIANXI_TEST_PG_DSN, set by scripts/postgres.sh), or "" where there is
// none: the test then says in its log that it tried SQLite alone. With
// LIANXI_REQUIRE_PG set, as in CI, a missing server fails the test instead.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("LIANXI_TEST_PG_DSN")
	if dsn == "" {
		if os.Getenv("LIANXI_REQUIRE_PG") != "" {
			t.Fatal("LIANXI_REQUIRE_PG is set but LIANXI_TEST_PG_DSN is empty: the test command should have started PostgreSQL")
		}
		t.Log("PostgreSQL backend not tested: LIANXI_TEST_PG_DSN is empty (./scripts/test.sh starts a server)")
	}
	return dsn
}

// databases numbers the databases this test binary creates, so two made
// in the same nanosecond still differ.
var databases atomic.Int64

// FreshDatabase creates an empty database of the test's own on the server
// dsn names, drops it when the test ends, and returns its DSN (dsn's with
// the database replaced).
func FreshDatabase(t testing.TB, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("PostgreSQL DSN: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to PostgreSQL to create a test database: %v", err)
	}
	defer admin.Close(ctx)
	name := newDatabaseName()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() { drop(dsn, name) })
	u.Path = "/" + name
	return u.String()
}

// UnusedDatabase returns the DSN of a database that does not exist yet on
// the server dsn names, for a program that creates its own (the embedded
// Temporal server, which also makes NAME_visibility). Both are dropped when
// the test ends, if they were made.
func UnusedDatabase(t testing.TB, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("PostgreSQL DSN: %v", err)
	}
	name := newDatabaseName()
	t.Cleanup(func() { drop(dsn, name, name+"_visibility") })
	u.Path = "/" + name
	return u.String()
}

func newDatabaseName() string {
	return fmt.Sprintf("lianxi_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano(), databases.Add(1))
}

// drop drops the databases named, if they exist, on dsn's server, with
// whatever connections they still have.
func drop(dsn string, names ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return
	}
	defer a.Close(ctx)
	for _, db := range names {
		_, _ = a.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
	}
}
