package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"lianxi/console/identity"
)

// ErrNoSessionStore is what sign-in and pages answer on a console built
// without the ledger's database, where sessions are kept.
var ErrNoSessionStore = errors.New("console sessions need the ledger's database (Deps.Ledger)")

// session is a signed-in console user, as a page handler sees it.
type session struct {
	id        string
	principal Principal
	csrf      string
	// row is the session as the store read it, for taking its notice.
	row identity.Session
}

func fromRow(row identity.Session) session {
	return session{id: row.ID, principal: row.Principal, csrf: row.CSRF, row: row}
}

// sessions are the console's view of identity.Sessions: the store keeps
// a notice as text, the console says what is in it (a notice, as JSON).
type sessions struct{ store *identity.Sessions }

func (s *sessions) create(ctx context.Context, p Principal) (session, error) {
	row, err := s.store.Create(ctx, p)
	return fromRow(row), err
}

func (s *sessions) get(ctx context.Context, id string) (session, bool, error) {
	row, ok, err := s.store.Get(ctx, id)
	return fromRow(row), ok, err
}

func (s *sessions) drop(ctx context.Context, id string) error { return s.store.Drop(ctx, id) }

// setNotice keeps n for the session's next page, whichever replica serves it.
func (s *sessions) setNotice(ctx context.Context, id string, n notice) error {
	b, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("session: notice: %w", err)
	}
	return s.store.SetNotice(ctx, id, string(b))
}

// takeNotice returns the notice sess was read with and clears it, when
// this request is the one that clears it.
func (s *sessions) takeNotice(ctx context.Context, sess session) (notice, bool, error) {
	ok, err := s.store.TakeNotice(ctx, sess.row)
	if err != nil || !ok {
		return notice{}, false, err
	}
	var n notice
	if err := json.Unmarshal([]byte(sess.row.Notice), &n); err != nil {
		return notice{}, false, fmt.Errorf("session: notice: %w", err)
	}
	return n, true, nil
}
