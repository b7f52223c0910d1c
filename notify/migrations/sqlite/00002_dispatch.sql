-- Several dispatchers share the outbox: when a pending notification is
-- next due, and until when one dispatcher holds it.
-- +goose Up
ALTER TABLE outbox ADD COLUMN next_attempt TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN lease_until TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt);
