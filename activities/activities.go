// Package activities holds the side effects of the task workflow: recording
// decisions on the ledger and notifying ministries. They are methods on
// Activities, which holds its dependencies behind small interfaces so the
// worker wires the real ledger and notifier and tests can wire their own.
package activities

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"lianxi/domain"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"

	"lianxi/ledger"
)

// Ledger is the part of the decision ledger the activities need.
type Ledger interface {
	Append(ctx context.Context, e ledger.Entry, also ...ledger.Also) (ledger.Record, error)
	// AppendAfter appends unless the ledger holds records of the entry's
	// workflow past what the workflow reflects (ledger.ErrAhead).
	AppendAfter(ctx context.Context, e ledger.Entry, after domain.Reflects, also ...ledger.Also) (ledger.Record, error)
	// TaskRecords reads the records of a task's workflow past what it
	// reflects.
	TaskRecords(ctx context.Context, workflowID string, after domain.Reflects, limit, maxBytes int) ([]ledger.Record, error)
}

// Stager stores notifications in the transaction that records the decision
// causing them (the transactional outbox); a dispatcher delivers them.
type Stager interface {
	Stage(ns []Notification) ledger.Also
}

// BoardWriter writes a task's board row in the transaction that records
// the decision changing it (board.Store does).
type BoardWriter interface {
	Put(row domain.BoardRow) ledger.Also
}

// Notifier delivers one notification. It returns an error wrapping
// ErrPermanent when retrying cannot help (the receiver refused the message).
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// ErrPermanent marks a delivery failure that must not be retried.
var ErrPermanent = errors.New("permanent delivery failure")

// Notification is one message to one recipient.
type Notification = domain.Notification

// RecordDecisionInput asks for one decision to be recorded.
type RecordDecisionInput = domain.RecordInput

// RecordDecisionResult is the ledger's receipt.
type RecordDecisionResult = domain.RecordResult

// NotifyInput asks for one notification to be delivered.
type NotifyInput struct {
	Notification Notification
}

// NotifyResult reports a delivery.
type NotifyResult struct {
	Delivered bool `json:"delivered"`
}

// Observer is told what the activities did, for metrics. Optional.
type Observer interface {
	DecisionRecorded(kind string)
	// NotificationDone reports "queued" (stored with its decision),
	// "delivered", "refused" or "failed".
	NotificationDone(result string)
}

// Activities implements the workflow's activities.
type Activities struct {
	Ledger Ledger
	// Outbox stages a decision's notifications with it.
	Outbox Stager
	// Board writes a decision's board row with it.
	Board    BoardWriter
	Notifier Notifier
	Logger   *zap.Logger
	Observer Observer
	// Tracer, when set, wraps each ledger write in a span (a child of the
	// activity's, and so of the update and the HTTP request behind it).
	Tracer trace.Tracer
}

func (a *Activities) observeDecision(kind string) {
	if a.Observer != nil {
		a.Observer.DecisionRecorded(kind)
	}
}

func (a *Activities) observeNotification(err error) {
	if a.Observer == nil {
		return
	}
	switch {
	case err == nil:
		a.Observer.NotificationDone("delivered")
	case errors.Is(err, ErrPermanent):
		a.Observer.NotificationDone("refused")
	default:
		a.Observer.NotificationDone("failed")
	}
}

// RecordDecision appends a decision to the ledger and, in the same
// transaction, the notifications it causes. It runs as a local activity
// inside update handlers, so the decision is on the ledger before the caller
// gets an answer. Retries are safe: the ledger deduplicates on decision ID.
func (a *Activities) RecordDecision(ctx context.Context, in RecordDecisionInput) (RecordDecisionResult, error) {
	if err := in.Entry.Validate(); err != nil {
		return RecordDecisionResult{}, temporal.NewNonRetryableApplicationError(err.Error(), domain.ErrTypeInvalidEntry, err)
	}
	var span trace.Span
	if a.Tracer != nil {
		ctx, span = a.Tracer.Start(ctx, "ledger append", trace.WithAttributes(
			attribute.String("lianxi.decision_id", in.Entry.DecisionID), attribute.String("lianxi.kind", in.Entry.Kind)))
		defer span.End()
	}
	var also []ledger.Also
	if len(in.Notifications) > 0 {
		if a.Outbox == nil {
			return RecordDecisionResult{}, temporal.NewNonRetryableApplicationError("no outbox is configured to store notifications", domain.ErrTypeInvalidEntry, nil)
		}
		also = append(also, a.Outbox.Stage(in.Notifications))
	}
	if in.Board != nil {
		if a.Board == nil {
			return RecordDecisionResult{}, temporal.NewNonRetryableApplicationError("no board is configured to store the task's row", domain.ErrTypeInvalidEntry, nil)
		}
		also = append(also, a.Board.Put(*in.Board))
	}
	var rec ledger.Record
	var err error
	if in.Reflects != nil {
		// A decision already recorded is answered with its record; another
		// is refused while the task's workflow is behind its ledger, checked
		// in the transaction that would append it.
		rec, err = a.Ledger.AppendAfter(ctx, in.Entry, *in.Reflects, also...)
		if errors.Is(err, ledger.ErrAhead) {
			return RecordDecisionResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
				"the ledger holds records of %s that its workflow does not reflect yet: it adopts them first", in.Entry.WorkflowID),
				domain.ErrTypeLedgerAhead, err)
		}
	} else {
		rec, err = a.Ledger.Append(ctx, in.Entry, also...)
	}
	if err != nil {
		if span != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, "append failed")
		}
		return RecordDecisionResult{}, fmt.Errorf("record decision %s: %w", in.Entry.DecisionID, err)
	}
	if span != nil {
		span.SetAttributes(attribute.Int64("lianxi.ledger_seq", rec.Seq))
	}
	a.observeDecision(in.Entry.Kind)
	if a.Observer != nil {
		for range in.Notifications {
			a.Observer.NotificationDone("queued")
		}
	}
	return resultOf(rec), nil
}

func resultOf(rec ledger.Record) RecordDecisionResult {
	return RecordDecisionResult{DecisionID: rec.DecisionID, Seq: rec.Seq, Hash: rec.Hash,
		LeafHash: hex.EncodeToString(ledger.LeafHash(rec))}
}

// ReadTaskRecords reads the records of a task past what its workflow
// reflects, for the workflow to adopt. It runs as a local activity.
func (a *Activities) ReadTaskRecords(ctx context.Context, in domain.ReadInput) ([]domain.LedgerRecord, error) {
	recs, err := a.Ledger.TaskRecords(ctx, in.WorkflowID, in.After, in.Limit, domain.MaxReadBytes)
	if err != nil {
		return nil, err
	}
	out := make([]domain.LedgerRecord, 0, len(recs))
	for _, r := range recs {
		out = append(out, domain.LedgerRecord{Entry: r.Entry, Seq: r.Seq, Hash: r.Hash, LeafHash: hex.EncodeToString(ledger.LeafHash(r))})
	}
	return out, nil
}

// Notify delivers a notification. Transient failures are returned as plain
// errors so Temporal retries them with backoff; refusals are non-retryable.
func (a *Activities) Notify(ctx context.Context, in NotifyInput) (NotifyResult, error) {
	err := a.Notifier.Notify(ctx, in.Notification)
	a.observeNotification(err)
	if errors.Is(err, ErrPermanent) {
		a.logger().Warn("notification refused",
			zap.String("id", in.Notification.ID), zap.String("recipient", in.Notification.Recipient), zap.Error(err))
		return NotifyResult{}, temporal.NewNonRetryableApplicationError(err.Error(), domain.ErrTypeNotificationRefused, err)
	}
	if err != nil {
		return NotifyResult{}, fmt.Errorf("notify %s: %w", in.Notification.Recipient, err)
	}
	return NotifyResult{Delivered: true}, nil
}

// NotifyBatchInput asks for one event's notifications to be delivered.
type NotifyBatchInput struct {
	Notifications []Notification
}

// NotifyBatchResult counts the outcome of a batch.
type NotifyBatchResult struct {
	Delivered int `json:"delivered"`
	Refused   int `json:"refused"`
}

// NotifyBatch delivers each notification of one event. A refusal is
// recorded and skipped; a transient failure fails the batch so Temporal
// retries it, and the notifier's idempotency keys keep the ones already
// delivered from going out twice.
func (a *Activities) NotifyBatch(ctx context.Context, in NotifyBatchInput) (NotifyBatchResult, error) {
	var res NotifyBatchResult
	var transient error
	for _, n := range in.Notifications {
		err := a.Notifier.Notify(ctx, n)
		a.observeNotification(err)
		switch {
		case err == nil:
			res.Delivered++
		case errors.Is(err, ErrPermanent):
			res.Refused++
			a.logger().Warn("notification refused", zap.String("id", n.ID), zap.String("recipient", n.Recipient), zap.Error(err))
		default:
			transient = errors.Join(transient, fmt.Errorf("notify %s: %w", n.Recipient, err))
		}
	}
	return res, transient
}

func (a *Activities) logger() *zap.Logger {
	if a.Logger == nil {
		return zap.NewNop()
	}
	return a.Logger
}
