-- When the recipient opened a notification in the console; empty while
-- unread.
-- +goose Up
ALTER TABLE outbox ADD COLUMN read_at TEXT NOT NULL DEFAULT '';
