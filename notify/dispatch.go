package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"lianxi/activities"
	"lianxi/ledger"
)

// stamp writes a time so that comparing the strings compares the times
// (fixed width, UTC), as the dispatcher's queries do.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// Stage returns the work that stores ns in the transaction that records
// the decision causing them: a decision and its notifications are stored
// together or not at all. Notifications for recipients with a webhook are
// left pending for the dispatcher; the others are kept for the inbox.
func (o *Outbox) Stage(ns []activities.Notification) ledger.Also {
	return func(ctx context.Context, exec func(string, ...any) error) error {
		if len(ns) == 0 {
			return nil
		}
		now := o.now()
		// One statement for all of them: one round trip to the database.
		rows := make([]string, 0, len(ns))
		args := make([]any, 0, 13*len(ns))
		for _, n := range ns {
			state := StateStored
			if _, ok := o.hooks[n.Recipient]; ok {
				state = StatePending
			}
			rows = append(rows, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '', ?, ?, '')")
			args = append(args, n.ID, n.Recipient, n.Kind, n.PlanID, n.TaskNo, n.Title, n.Round, n.Due.UTC().Format(time.RFC3339), n.Detail,
				Compose(n, o.link), state, now.UTC().Format(time.RFC3339Nano), stamp(now))
		}
		if err := exec(`INSERT INTO outbox (id, recipient, kind, plan_id, task_no, title, round, due, detail, text, state, attempts, last_error, created_at, next_attempt, lease_until)
			VALUES `+strings.Join(rows, ", ")+` ON CONFLICT (id) DO NOTHING`, args...); err != nil {
			return fmt.Errorf("stage notifications %s…: %w", ns[0].ID, err)
		}
		return nil
	}
}

// DispatchOptions tune a Dispatcher.
type DispatchOptions struct {
	// Poll is how long the dispatcher waits when nothing is due; default 1s.
	Poll time.Duration
	// Lease is how long a dispatcher holds a notification it is delivering
	// before another may take it over; default 1 minute.
	Lease time.Duration
	// MaxBackoff caps the wait between attempts; default 10 minutes.
	MaxBackoff time.Duration
	// Batch is how many due notifications one round takes; default 50.
	Batch    int
	Logger   *zap.Logger
	Observer activities.Observer
}

// Dispatcher delivers the outbox's pending notifications to their
// webhooks: 2xx marks them delivered, 4xx refused (recorded, not retried),
// 5xx, 408, 429 and network errors are retried with exponential backoff.
// Several dispatchers (one per worker process) share the outbox: each
// notification is leased to one of them while it is being delivered.
type Dispatcher struct {
	o    *Outbox
	opts DispatchOptions
}

// Dispatcher makes a dispatcher for this outbox.
func (o *Outbox) Dispatcher(opts DispatchOptions) *Dispatcher {
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 10 * time.Minute
	}
	if opts.Batch <= 0 {
		opts.Batch = 50
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	return &Dispatcher{o: o, opts: opts}
}

// Run delivers until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) error {
	for {
		n, err := d.Once(ctx)
		if err != nil && ctx.Err() == nil {
			d.opts.Logger.Warn("outbox dispatch", zap.Error(err))
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d.opts.Poll):
		}
	}
}

// Once delivers the notifications due now, and reports how many it tried.
func (d *Dispatcher) Once(ctx context.Context) (int, error) {
	o := d.o
	now := stamp(o.now())
	rows, err := o.db.QueryContext(ctx, o.rebind(`SELECT id FROM outbox WHERE state = ? AND next_attempt <= ? AND lease_until < ?
		ORDER BY next_attempt LIMIT ?`), StatePending, now, now, d.opts.Batch)
	if err != nil {
		return 0, fmt.Errorf("read due notifications: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	tried := 0
	for _, id := range ids {
		ok, err := d.deliver(ctx, id)
		if err != nil {
			return tried, err
		}
		if ok {
			tried++
		}
	}
	return tried, nil
}

// deliver leases one notification and attempts it; false when another
// dispatcher holds it or it is no longer pending.
func (d *Dispatcher) deliver(ctx context.Context, id string) (bool, error) {
	o := d.o
	now := o.now()
	res, err := o.db.ExecContext(ctx, o.rebind(`UPDATE outbox SET lease_until = ? WHERE id = ? AND state = ? AND lease_until < ?`),
		stamp(now.Add(d.opts.Lease)), id, StatePending, stamp(now))
	if err != nil {
		return false, fmt.Errorf("lease notification %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	var n activities.Notification
	var due, text string
	var attempts int
	if err := o.db.QueryRowContext(ctx, o.rebind(`SELECT id, recipient, kind, plan_id, task_no, title, round, due, detail, text, attempts FROM outbox WHERE id = ?`), id).
		Scan(&n.ID, &n.Recipient, &n.Kind, &n.PlanID, &n.TaskNo, &n.Title, &n.Round, &due, &n.Detail, &text, &attempts); err != nil {
		return false, fmt.Errorf("read notification %s: %w", id, err)
	}
	n.Due, _ = time.Parse(time.RFC3339, due)
	hook, ok := o.hooks[n.Recipient]
	var derr error
	if !ok {
		derr = fmt.Errorf("no webhook is configured for %s any more: %w", n.Recipient, activities.ErrPermanent)
	} else {
		derr = hook.Deliver(ctx, n, text)
	}
	state, msg, next, outcome := StateDelivered, "", "", "delivered"
	switch {
	case errors.Is(derr, activities.ErrPermanent):
		state, msg, outcome = StateRefused, derr.Error(), "refused"
		d.opts.Logger.Warn("notification refused", zap.String("id", id), zap.String("recipient", n.Recipient), zap.Error(derr))
	case derr != nil:
		state, msg, outcome = StatePending, derr.Error(), "failed"
		next = stamp(o.now().Add(min(d.opts.MaxBackoff, time.Second<<min(attempts, 20))))
	}
	if d.opts.Observer != nil {
		d.opts.Observer.NotificationDone(outcome)
	}
	if _, err := o.db.ExecContext(ctx, o.rebind(`UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?, next_attempt = ?, lease_until = '' WHERE id = ?`),
		state, msg, next, id); err != nil {
		return true, fmt.Errorf("update notification %s: %w", id, err)
	}
	return true, nil
}
