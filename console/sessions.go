package console

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"lianxi/ledger"
	"lianxi/schema"
)

// sessionTTL is how long a console session lasts after sign-in.
const sessionTTL = 12 * time.Hour

// ErrNoSessionStore is what sign-in and pages answer on a console built
// without the ledger's database, where sessions are kept.
var ErrNoSessionStore = errors.New("console sessions need the ledger's database (Deps.Ledger)")

// session is a signed-in console user, as one request finds it.
type session struct {
	// id is the cookie's value; the database holds only its hash.
	id        string
	principal Principal
	csrf      string
	expires   time.Time
	// notice is the notice waiting for the session's next page, as the
	// row holds it ("" for none).
	notice string
}

// sessions keeps console sessions in the database that holds the ledger
// (the sessions table, SQLite or PostgreSQL), so any number of console
// replicas share them: a user signed in through one is signed in on all,
// signing out on one signs out on all, and a restart signs nobody out.
// The CSRF token and the notice for the next page are in the same row, so
// a form rendered by one replica posts to another, and a notice set before
// a redirect shows on whichever replica serves the page.
//
// A row names the token the session was made from by its hash, and every
// request looks the token up in the principals file again: a token revoked
// or expired since sign-in ends its sessions everywhere.
type sessions struct {
	db     *sql.DB
	rebind func(string) string
	ttl    time.Duration
	now    func() time.Time
	// lookup finds the active principal of a token's hash.
	lookup func(tokenSHA256 string) (Principal, bool)
}

// migrations create the sessions table, one folder per dialect.
//
//go:embed migrations
var migrations embed.FS

// newSessions keeps sessions in the ledger's database, migrating their
// table there first.
func newSessions(ctx context.Context, store *ledger.SQLStore, ttl time.Duration, now func() time.Time, lookup func(string) (Principal, bool)) (*sessions, error) {
	if err := schema.Migrate(ctx, store.DB(), store.Dialect(), "console", migrations); err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	return &sessions{db: store.DB(), rebind: store.Rebind, ttl: ttl, now: now, lookup: lookup}, nil
}

// sessionKey is what the database knows a session by: whoever reads the
// table cannot sign in with what it finds there.
func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// create starts a session for p and removes the sessions that have ended.
func (s *sessions) create(ctx context.Context, p Principal) (session, error) {
	id, err := newToken()
	if err != nil {
		return session{}, err
	}
	csrf, err := newToken()
	if err != nil {
		return session{}, err
	}
	now := s.now()
	sess := session{id: id, principal: p, csrf: csrf, expires: now.Add(s.ttl)}
	if _, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE expires <= ?`), now.UnixNano()); err != nil {
		return session{}, fmt.Errorf("session: remove ended sessions: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO sessions (id_sha256, token_sha256, csrf, created, expires) VALUES (?, ?, ?, ?, ?)`),
		sessionKey(id), p.TokenSHA256, csrf, now.UnixNano(), sess.expires.UnixNano()); err != nil {
		return session{}, fmt.Errorf("session: create: %w", err)
	}
	return sess, nil
}

// get finds the session id names: ok is false when there is none, it has
// expired, or its token no longer signs in (then the row is removed).
func (s *sessions) get(ctx context.Context, id string) (sess session, ok bool, err error) {
	if id == "" {
		return session{}, false, nil
	}
	var tokenSHA, csrf, note string
	var expires int64
	err = s.db.QueryRowContext(ctx, s.rebind(`SELECT token_sha256, csrf, expires, notice FROM sessions WHERE id_sha256 = ?`), sessionKey(id)).
		Scan(&tokenSHA, &csrf, &expires, &note)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return session{}, false, nil
	case err != nil:
		return session{}, false, fmt.Errorf("session: read: %w", err)
	}
	p, valid := s.lookup(tokenSHA)
	if s.now().UnixNano() >= expires || !valid {
		return session{}, false, s.drop(ctx, id)
	}
	return session{id: id, principal: p, csrf: csrf, expires: time.Unix(0, expires), notice: note}, true, nil
}

// drop ends the session id (sign-out), for every replica at once.
func (s *sessions) drop(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE id_sha256 = ?`), sessionKey(id)); err != nil {
		return fmt.Errorf("session: end: %w", err)
	}
	return nil
}

// setNotice keeps n for the session's next page, whichever replica serves it.
func (s *sessions) setNotice(ctx context.Context, id string, n notice) error {
	b, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("session: notice: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, s.rebind(`UPDATE sessions SET notice = ? WHERE id_sha256 = ?`), string(b), sessionKey(id)); err != nil {
		return fmt.Errorf("session: keep notice: %w", err)
	}
	return nil
}

// takeNotice returns the notice sess was read with and clears it, if it
// is still there: of two pages loading at once, the one whose statement
// clears it shows it.
func (s *sessions) takeNotice(ctx context.Context, sess session) (notice, bool, error) {
	if sess.notice == "" {
		return notice{}, false, nil
	}
	res, err := s.db.ExecContext(ctx, s.rebind(`UPDATE sessions SET notice = '' WHERE id_sha256 = ? AND notice = ?`), sessionKey(sess.id), sess.notice)
	if err != nil {
		return notice{}, false, fmt.Errorf("session: take notice: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return notice{}, false, err
	}
	var n notice
	if err := json.Unmarshal([]byte(sess.notice), &n); err != nil {
		return notice{}, false, fmt.Errorf("session: notice: %w", err)
	}
	return n, true, nil
}
