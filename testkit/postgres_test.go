package testkit

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// A fresh database exists, is empty, keeps the DSN's parameters, and is
// gone once its test ends.
func TestFreshDatabaseIsDroppedAfterItsTest(t *testing.T) {
	dsn := PostgresDSN(t)
	if dsn == "" {
		t.Skip("no PostgreSQL server")
	}
	ctx := context.Background()
	var name string
	t.Run("user", func(t *testing.T) {
		db := FreshDatabase(t, dsn)
		u, err := url.Parse(db)
		if err != nil {
			t.Fatal(err)
		}
		name = strings.TrimPrefix(u.Path, "/")
		if orig, _ := url.Parse(dsn); u.RawQuery != orig.RawQuery {
			t.Errorf("DSN %s lost the parameters of %s", db, dsn)
		}
		c, err := pgx.Connect(ctx, db)
		if err != nil {
			t.Fatalf("connect to the fresh database: %v", err)
		}
		defer c.Close(ctx)
		var tables int
		if err := c.QueryRow(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&tables); err != nil || tables != 0 {
			t.Errorf("fresh database holds %d tables (%v)", tables, err)
		}
	})
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var left int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&left); err != nil || left != 0 {
		t.Errorf("database %q still there after its test (%d, %v)", name, left, err)
	}
}
