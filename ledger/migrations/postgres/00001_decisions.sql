-- The ledger: one row per decision, hash-chained, append-only.
-- +goose Up
CREATE TABLE decisions (
	seq BIGINT PRIMARY KEY,
	decision_id TEXT NOT NULL UNIQUE,
	workflow_id TEXT NOT NULL,
	run_id TEXT NOT NULL,
	plan_id TEXT NOT NULL,
	task_no TEXT NOT NULL,
	round INTEGER NOT NULL,
	kind TEXT NOT NULL,
	ministry TEXT NOT NULL,
	person TEXT NOT NULL,
	payload TEXT NOT NULL,
	at TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX decisions_workflow ON decisions (workflow_id, seq);

-- +goose StatementBegin
CREATE FUNCTION decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$;
-- +goose StatementEnd

CREATE TRIGGER decisions_no_change BEFORE UPDATE OR DELETE ON decisions
	FOR EACH ROW EXECUTE FUNCTION decisions_append_only();
