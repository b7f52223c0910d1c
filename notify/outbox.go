// Package notify delivers notifications to ministries and the office and
// keeps every one in an outbox (who, what, when, delivery state) that the
// console's inboxes read.
package notify

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"lianxi/activities"
	"lianxi/ledger"
	"lianxi/schema"
)

// Delivery states in the outbox.
const (
	StateStored    = "stored"    // kept for the inbox; no webhook configured
	StateDelivered = "delivered" // the webhook answered 2xx
	StatePending   = "pending"   // the last attempt failed and will be retried
	StateRefused   = "refused"   // the webhook answered 4xx; not retried
)

// Message is one stored notification.
type Message struct {
	activities.Notification
	Text      string    `json:"text"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// Read tells whether the recipient has opened it in the console.
	Read bool `json:"read"`
}

// Outbox stores notifications in the ledger's database and hands them to a
// webhook when the recipient has one.
type Outbox struct {
	db     *sql.DB
	rebind func(string) string
	hooks  Webhooks
	link   string
	now    func() time.Time
}

// OutboxOptions configure an Outbox.
type OutboxOptions struct {
	Webhooks Webhooks
	// ConsoleURL is the console's base URL for the links in messages.
	ConsoleURL string
	Now        func() time.Time
}

// migrations create the outbox, one folder per dialect.
//
//go:embed migrations
var migrations embed.FS

// NewOutbox keeps notifications in the ledger's database, so a decision
// and the notifications it causes are stored in one transaction. It
// migrates the outbox table there first.
func NewOutbox(ctx context.Context, store *ledger.SQLStore, opts OutboxOptions) (*Outbox, error) {
	db := store.DB()
	if err := schema.Migrate(ctx, db, store.Dialect(), "notify", migrations); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Outbox{db: db, rebind: store.Rebind, hooks: opts.Webhooks, link: opts.ConsoleURL, now: opts.Now}, nil
}

// Notify implements activities.Notifier for the notification activities of
// runs that predate the transactional outbox: store once, then deliver.
func (o *Outbox) Notify(ctx context.Context, n activities.Notification) error {
	text := Compose(n, o.link)
	hook, hasHook := o.hooks[n.Recipient]
	state := StateStored
	if hasHook {
		state = StatePending
	}
	// Runs started before the transactional outbox deliver their own
	// notifications from an activity; the far lease keeps the dispatcher off.
	_, err := o.db.ExecContext(ctx, o.rebind(`INSERT INTO outbox (id, recipient, kind, plan_id, task_no, title, round, due, detail, text, state, attempts, last_error, created_at, lease_until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '', ?, '9999') ON CONFLICT (id) DO NOTHING`),
		n.ID, n.Recipient, n.Kind, n.PlanID, n.TaskNo, n.Title, n.Round, n.Due.UTC().Format(time.RFC3339), n.Detail, text, state,
		o.now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("store notification %s: %w", n.ID, err)
	}
	if !hasHook {
		return nil
	}
	var cur string
	if err := o.db.QueryRowContext(ctx, o.rebind(`SELECT state FROM outbox WHERE id = ?`), n.ID).Scan(&cur); err != nil {
		return fmt.Errorf("read notification %s: %w", n.ID, err)
	}
	if cur == StateDelivered || cur == StateRefused {
		return nil
	}
	derr := hook.Deliver(ctx, n, text)
	state, msg := StateDelivered, ""
	switch {
	case errors.Is(derr, activities.ErrPermanent):
		state, msg = StateRefused, derr.Error()
	case derr != nil:
		state, msg = StatePending, derr.Error()
	}
	if _, err := o.db.ExecContext(ctx, o.rebind(`UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ? WHERE id = ?`), state, msg, n.ID); err != nil {
		return fmt.Errorf("update notification %s: %w", n.ID, err)
	}
	return derr
}

// Inbox lists a recipient's notifications, newest first.
func (o *Outbox) Inbox(ctx context.Context, recipient string, limit int) ([]Message, error) {
	rows, err := o.db.QueryContext(ctx, o.rebind(`SELECT id, recipient, kind, plan_id, task_no, title, round, due, detail, text, state, attempts, last_error, created_at, read_at
		FROM outbox WHERE recipient = ? ORDER BY created_at DESC LIMIT ?`), recipient, limit)
	if err != nil {
		return nil, fmt.Errorf("read inbox of %s: %w", recipient, err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var due, created, read string
		if err := rows.Scan(&m.ID, &m.Recipient, &m.Kind, &m.PlanID, &m.TaskNo, &m.Title, &m.Round, &due, &m.Detail, &m.Text,
			&m.State, &m.Attempts, &m.LastError, &created, &read); err != nil {
			return nil, fmt.Errorf("read inbox of %s: %w", recipient, err)
		}
		m.Due, _ = time.Parse(time.RFC3339, due)
		m.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
		m.Read = read != ""
		out = append(out, m)
	}
	return out, rows.Err()
}

// MarkRead records that recipient opened notification id; it is false when
// recipient has no such notification (another's is never marked).
func (o *Outbox) MarkRead(ctx context.Context, recipient, id string) (bool, error) {
	res, err := o.db.ExecContext(ctx, o.rebind(`UPDATE outbox SET read_at = ? WHERE id = ? AND recipient = ? AND read_at = ''`),
		o.now().UTC().Format(time.RFC3339Nano), id, recipient)
	if err != nil {
		return false, fmt.Errorf("mark notification %s read: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	var one int
	err = o.db.QueryRowContext(ctx, o.rebind(`SELECT 1 FROM outbox WHERE id = ? AND recipient = ?`), id, recipient).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mark notification %s read: %w", id, err)
	}
	return true, nil
}

// Unread counts recipient's unread notifications.
func (o *Outbox) Unread(ctx context.Context, recipient string) (int, error) {
	var n int
	if err := o.db.QueryRowContext(ctx, o.rebind(`SELECT COUNT(*) FROM outbox WHERE recipient = ? AND read_at = ''`), recipient).Scan(&n); err != nil {
		return 0, fmt.Errorf("count unread of %s: %w", recipient, err)
	}
	return n, nil
}
