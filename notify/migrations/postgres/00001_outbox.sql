-- The notification outbox, beside the ledger so a decision and what it
-- causes are stored in one transaction. IF NOT EXISTS keeps data folders
-- whose outbox predates the ledger's migrations.
-- +goose Up
CREATE TABLE IF NOT EXISTS outbox (
	id TEXT PRIMARY KEY,
	recipient TEXT NOT NULL,
	kind TEXT NOT NULL,
	plan_id TEXT NOT NULL,
	task_no TEXT NOT NULL,
	title TEXT NOT NULL,
	round INTEGER NOT NULL,
	due TEXT NOT NULL,
	detail TEXT NOT NULL,
	text TEXT NOT NULL,
	state TEXT NOT NULL,
	attempts INTEGER NOT NULL,
	last_error TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_recipient ON outbox (recipient, created_at);
