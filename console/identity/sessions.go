package identity

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"lianxi/ledger"
	"lianxi/schema"
)

// SessionTTL is how long a console session lasts after sign-in.
const SessionTTL = 12 * time.Hour

// schemaOwner names the sessions table's migrations in the database
// (version table goose_console). The name is older than this package:
// every data folder migrated before holds its version there, and the
// ledger_schema adoption (package schema) hands version 8 to it.
const schemaOwner = "console"

// Session is a signed-in console user, as one request finds it.
type Session struct {
	// ID is the cookie's value; the database holds only its hash.
	ID        string
	Principal Principal
	CSRF      string
	Expires   time.Time
	// Notice is what waits for the session's next page, as the row holds
	// it ("" for none); the console decides what it says.
	Notice string
}

// Sessions keeps console sessions in the database that holds the ledger
// (the sessions table, SQLite or PostgreSQL), so any number of console
// replicas share them: a user signed in through one is signed in on all,
// signing out on one signs out on all, and a restart signs nobody out.
// The CSRF token and the notice for the next page are in the same row, so
// a form rendered by one replica posts to another, and a notice set before
// a redirect shows on whichever replica serves the page.
//
// A row names the token the session was made from by its hash, and every
// request looks the token up again: a token revoked or expired since
// sign-in ends its sessions everywhere.
type Sessions struct {
	db     *sql.DB
	rebind func(string) string
	ttl    time.Duration
	now    func() time.Time
	lookup func(tokenSHA256 string) (Principal, bool)
}

// migrations create the sessions table, one folder per dialect.
//
//go:embed migrations
var migrations embed.FS

// OpenSessions keeps sessions in the ledger's database, migrating their
// table there first. lookup finds the active principal of a token's hash
// (Principals.Lookup); sessions last ttl by the clock now.
func OpenSessions(ctx context.Context, store *ledger.SQLStore, lookup func(tokenSHA256 string) (Principal, bool), ttl time.Duration, now func() time.Time) (*Sessions, error) {
	if err := schema.Migrate(ctx, store.DB(), store.Dialect(), schemaOwner, migrations); err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	return &Sessions{db: store.DB(), rebind: store.Rebind, ttl: ttl, now: now, lookup: lookup}, nil
}

// Create starts a session for p and removes the sessions that have ended.
func (s *Sessions) Create(ctx context.Context, p Principal) (Session, error) {
	id, err := NewToken()
	if err != nil {
		return Session{}, err
	}
	csrf, err := NewToken()
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	sess := Session{ID: id, Principal: p, CSRF: csrf, Expires: now.Add(s.ttl)}
	if _, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE expires <= ?`), now.UnixNano()); err != nil {
		return Session{}, fmt.Errorf("session: remove ended sessions: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO sessions (id_sha256, token_sha256, csrf, created, expires) VALUES (?, ?, ?, ?, ?)`),
		HashToken(id), p.TokenSHA256, csrf, now.UnixNano(), sess.Expires.UnixNano()); err != nil {
		return Session{}, fmt.Errorf("session: create: %w", err)
	}
	return sess, nil
}

// Get finds the session id names: ok is false when there is none, it has
// expired, or its token no longer signs in (then the row is removed).
func (s *Sessions) Get(ctx context.Context, id string) (sess Session, ok bool, err error) {
	if id == "" {
		return Session{}, false, nil
	}
	var tokenSHA, csrf, note string
	var expires int64
	err = s.db.QueryRowContext(ctx, s.rebind(`SELECT token_sha256, csrf, expires, notice FROM sessions WHERE id_sha256 = ?`), HashToken(id)).
		Scan(&tokenSHA, &csrf, &expires, &note)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Session{}, false, nil
	case err != nil:
		return Session{}, false, fmt.Errorf("session: read: %w", err)
	}
	p, valid := s.lookup(tokenSHA)
	if s.now().UnixNano() >= expires || !valid {
		return Session{}, false, s.Drop(ctx, id)
	}
	return Session{ID: id, Principal: p, CSRF: csrf, Expires: time.Unix(0, expires), Notice: note}, true, nil
}

// Drop ends the session id (sign-out), for every replica at once.
func (s *Sessions) Drop(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE id_sha256 = ?`), HashToken(id)); err != nil {
		return fmt.Errorf("session: end: %w", err)
	}
	return nil
}

// SetNotice keeps notice for the session's next page, whichever replica
// serves it.
func (s *Sessions) SetNotice(ctx context.Context, id, notice string) error {
	if _, err := s.db.ExecContext(ctx, s.rebind(`UPDATE sessions SET notice = ? WHERE id_sha256 = ?`), notice, HashToken(id)); err != nil {
		return fmt.Errorf("session: keep notice: %w", err)
	}
	return nil
}

// TakeNotice clears the notice sess was read with, if it is still there,
// and reports whether it did: of two pages loading at once, the one whose
// statement clears it shows it.
func (s *Sessions) TakeNotice(ctx context.Context, sess Session) (bool, error) {
	if sess.Notice == "" {
		return false, nil
	}
	res, err := s.db.ExecContext(ctx, s.rebind(`UPDATE sessions SET notice = '' WHERE id_sha256 = ? AND notice = ?`), HashToken(sess.ID), sess.Notice)
	if err != nil {
		return false, fmt.Errorf("session: take notice: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("session: take notice: %w", err)
	}
	return n == 1, nil
}
