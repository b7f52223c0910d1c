package identity

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lianxi/schema"
)

// testClock is a settable clock shared by the replicas of a test.
type testClock struct{ ns atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *testClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// TestSessionsSharedThroughTheDatabase holds two session stores on separate
// handles of one database, as two replicas: what one does, the other sees.
func TestSessionsSharedThroughTheDatabase(t *testing.T) {
	for name, open := range sharedDatabases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			handle := open(t)
			var clk testClock
			clk.ns.Store(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC).UnixNano())
			revoked := map[string]bool{}
			var mu sync.Mutex
			lookup := func(h string) (Principal, bool) {
				mu.Lock()
				defer mu.Unlock()
				return Principal{Name: "ndrc", Role: RoleMinistry, Ministry: "ndrc", TokenSHA256: h}, !revoked[h]
			}
			a, err := OpenSessions(ctx, handle(), lookup, time.Hour, clk.now)
			if err != nil {
				t.Fatal(err)
			}
			b, err := OpenSessions(ctx, handle(), lookup, time.Hour, clk.now)
			if err != nil {
				t.Fatal(err)
			}
			p := Principal{Name: "ndrc", Role: RoleMinistry, Ministry: "ndrc", TokenSHA256: strings.Repeat("a", 64)}

			sess, err := a.Create(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			got, ok, err := b.Get(ctx, sess.ID)
			if err != nil || !ok || got.CSRF != sess.CSRF || got.Principal.Ministry != "ndrc" {
				t.Fatalf("the other replica reads %+v %v %v, want the session with its CSRF token", got, ok, err)
			}
			if _, ok, _ := b.Get(ctx, sess.ID+"x"); ok {
				t.Fatal("a session found by a cookie that is not its own")
			}
			var stored int
			if err := handle().DB().QueryRow(handle().Rebind(`SELECT COUNT(*) FROM sessions WHERE id_sha256 = ? OR csrf = ?`), sess.ID, "").Scan(&stored); err != nil || stored != 0 {
				t.Fatalf("the database holds the cookie itself (%d rows, %v)", stored, err)
			}

			// A notice set on one shows once on the other.
			if err := a.SetNotice(ctx, sess.ID, `{"detail":"理由"}`); err != nil {
				t.Fatal(err)
			}
			got, _, _ = b.Get(ctx, sess.ID)
			if ok, err := b.TakeNotice(ctx, got); err != nil || !ok || got.Notice != `{"detail":"理由"}` {
				t.Fatalf("notice on the other replica: %q %v %v", got.Notice, ok, err)
			}
			if ok, _ := a.TakeNotice(ctx, got); ok {
				t.Fatalf("notice shown twice: %q", got.Notice)
			}
			if again, _, _ := a.Get(ctx, sess.ID); again.Notice != "" {
				t.Fatal("the notice stays after it was shown")
			}

			// Expiry is the same everywhere.
			clk.advance(time.Hour - time.Second)
			if _, ok, _ := b.Get(ctx, sess.ID); !ok {
				t.Fatal("session ended before its time")
			}
			clk.advance(time.Second)
			if _, ok, _ := a.Get(ctx, sess.ID); ok {
				t.Fatal("expired session still works")
			}

			// Sign-out on one ends it on the other.
			sess, _ = a.Create(ctx, p)
			if err := b.Drop(ctx, sess.ID); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := a.Get(ctx, sess.ID); ok {
				t.Fatal("signed out on one replica, still signed in on the other")
			}

			// A revoked token ends its sessions.
			sess, _ = a.Create(ctx, p)
			mu.Lock()
			revoked[p.TokenSHA256] = true
			mu.Unlock()
			if _, ok, _ := b.Get(ctx, sess.ID); ok {
				t.Fatal("a session of a revoked token still works")
			}
		})
	}
}

// TestSessionsOpenADataFolderOfTheConsole opens a database whose sessions
// table the console package migrated, before this package held it: the
// sessions made then still sign in, and the table's migrations stay
// recorded where they were (goose_console), with no second version table.
func TestSessionsOpenADataFolderOfTheConsole(t *testing.T) {
	for name, open := range sharedDatabases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			handle := open(t)
			db := handle().DB()
			// What the console's migrations left: its version table
			// (goose_console) and the sessions table, with one session.
			if err := schema.Migrate(ctx, db, handle().Dialect(), "console", migrations); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(handle().Rebind(`INSERT INTO sessions (id_sha256, token_sha256, csrf, created, expires) VALUES (?, ?, 'c', 1, 9000000000000000000)`),
				HashToken("cookie"), strings.Repeat("b", 64)); err != nil {
				t.Fatal(err)
			}
			lookup := func(h string) (Principal, bool) {
				return Principal{Name: "office", Role: RoleOffice, TokenSHA256: h}, true
			}
			s, err := OpenSessions(ctx, handle(), lookup, time.Hour, time.Now)
			if err != nil {
				t.Fatalf("open the older data folder: %v", err)
			}
			if sess, ok, err := s.Get(ctx, "cookie"); err != nil || !ok || sess.CSRF != "c" {
				t.Fatalf("the session made before: %+v %v %v", sess, ok, err)
			}
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM goose_console`).Scan(&n); err != nil || n != 2 {
				t.Errorf("goose_console holds %d versions (%v), want the 2 it had", n, err)
			}
			if _, err := db.Exec(`SELECT 1 FROM ` + schema.VersionTable("identity")); err == nil {
				t.Errorf("a second version table (%s) for the sessions", schema.VersionTable("identity"))
			}
		})
	}
}
