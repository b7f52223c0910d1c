package schema

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sync"
	"time"
)

// lockTTL is how long a SQLite migration lock lasts without renewal: how
// long a process that died while migrating keeps the others waiting.
const lockTTL = time.Minute

// sqliteLocker is goose's session lock for SQLite, which has no advisory
// locks: a row in schema_locks names the holder and until when it holds
// the lock. Taking it is one insert that on conflict updates only a row
// that has run out, so two processes cannot both take it; the holder
// renews it while it migrates.
type sqliteLocker struct {
	db     *sql.DB
	name   string
	holder string
	stop   chan struct{}
	done   sync.WaitGroup
}

func newSQLiteLocker(db *sql.DB, name string) *sqliteLocker {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &sqliteLocker{db: db, name: name, holder: hex.EncodeToString(b)}
}

// SessionLock implements goose's lock.SessionLocker.
func (l *sqliteLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_locks (
		name TEXT PRIMARY KEY, holder TEXT NOT NULL, until INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("lock %s: %w", l.name, err)
	}
	for {
		ok, err := l.take(ctx, conn)
		if err != nil {
			return err
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("lock %s: another process is migrating: %w", l.name, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	l.stop = make(chan struct{})
	l.done.Add(1)
	go l.renew()
	return nil
}

func (l *sqliteLocker) take(ctx context.Context, q interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}) (bool, error) {
	now := time.Now()
	res, err := q.ExecContext(ctx, `INSERT INTO schema_locks (name, holder, until) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE schema_locks.holder = excluded.holder OR schema_locks.until <= ?`,
		l.name, l.holder, now.Add(lockTTL).UnixNano(), now.UnixNano())
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", l.name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", l.name, err)
	}
	return n == 1, nil
}

// renew keeps the lock while goose migrates, through a connection of its
// own (goose's is busy with the migrations).
func (l *sqliteLocker) renew() {
	defer l.done.Done()
	t := time.NewTicker(lockTTL / 4)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), lockTTL/4)
			_, _ = l.take(ctx, l.db)
			cancel()
		}
	}
}

// SessionUnlock implements goose's lock.SessionLocker.
func (l *sqliteLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	if l.stop != nil {
		close(l.stop)
		l.done.Wait()
		l.stop = nil
	}
	if _, err := conn.ExecContext(ctx, `DELETE FROM schema_locks WHERE name = ? AND holder = ?`, l.name, l.holder); err != nil {
		return fmt.Errorf("unlock %s: %w", l.name, err)
	}
	return nil
}
