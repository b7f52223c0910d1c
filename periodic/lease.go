package periodic

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrBadLease is returned for a lease request that cannot be right: no
// name, no holder or a life that is not positive.
var ErrBadLease = errors.New("periodic: bad lease request")

// Database is the shared database the leases live in: its connections and
// its placeholder form. *ledger.SQLStore is one; the leases table is made
// by the ledger's migrations, beside its records.
type Database interface {
	DB() *sql.DB
	Rebind(query string) string
}

// Leases are named leases in the table leases of a shared database, each
// held by one process at a time until it runs out, and the last period of
// periodic work run under each.
type Leases struct {
	db     *sql.DB
	rebind func(string) string
}

// NewLeases keeps leases in db.
func NewLeases(db Database) *Leases {
	return &Leases{db: db.DB(), rebind: db.Rebind}
}

func checkLease(name, holder string, ttl time.Duration) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("%w: the lease has no name", ErrBadLease)
	case strings.TrimSpace(holder) == "":
		return fmt.Errorf("%w: lease %q has no holder", ErrBadLease, name)
	case ttl <= 0:
		return fmt.Errorf("%w: lease %q must last a positive time, not %s", ErrBadLease, name, ttl)
	}
	return nil
}

// AcquireLease takes the lease name for holder until now+ttl, or renews it
// when holder has it already. It answers false when another holder's lease
// is still running. Taking and renewing are one statement, an insert that
// on conflict updates only a row that is holder's or has run out, so two
// processes asking at once cannot both get it, on SQLite or PostgreSQL.
//
// Times are the callers' clocks: processes sharing a lease must keep their
// clocks within a small part of ttl of each other.
func (s *Leases) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error) {
	if err := checkLease(name, holder, ttl); err != nil {
		return false, err
	}
	at := now.UnixNano()
	res, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE leases.holder = excluded.holder OR leases.until <= ?`), name, holder, now.Add(ttl).UnixNano(), at)
	if err != nil {
		return false, fmt.Errorf("lease %s: acquire: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("lease %s: acquire: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease gives the lease up, if holder has it, so another process
// takes it without waiting for it to run out. The period last run stays.
func (s *Leases) ReleaseLease(ctx context.Context, name, holder string) error {
	if err := checkLease(name, holder, time.Second); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, s.rebind(`UPDATE leases SET until = 0 WHERE name = ? AND holder = ?`), name, holder); err != nil {
		return fmt.Errorf("lease %s: release: %w", name, err)
	}
	return nil
}

// LeaseHolder tells who holds the lease name at now ("" when nobody does).
func (s *Leases) LeaseHolder(ctx context.Context, name string, now time.Time) (string, error) {
	var holder string
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT holder FROM leases WHERE name = ? AND until > ?`), name, now.UnixNano()).Scan(&holder)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("lease %s: read holder: %w", name, err)
	}
	return holder, nil
}

// ClaimPeriod marks period as run for the lease name, if holder holds the
// lease at now and no holder has claimed that period or a later one. Only
// one claim of a period succeeds, whoever asks and however often: the
// caller that gets true runs the period's work.
func (s *Leases) ClaimPeriod(ctx context.Context, name, holder string, period int64, now time.Time) (bool, error) {
	if err := checkLease(name, holder, time.Second); err != nil {
		return false, err
	}
	if period <= 0 {
		return false, fmt.Errorf("%w: lease %q: period %d is not after the epoch", ErrBadLease, name, period)
	}
	res, err := s.db.ExecContext(ctx, s.rebind(`UPDATE leases SET period = ?
		WHERE name = ? AND holder = ? AND until > ? AND period < ?`), period, name, holder, now.UnixNano(), period)
	if err != nil {
		return false, fmt.Errorf("lease %s: claim period %d: %w", name, period, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("lease %s: claim period %d: %w", name, period, err)
	}
	return n == 1, nil
}
