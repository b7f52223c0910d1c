-- The ledger: one row per decision, hash-chained, append-only.
-- +goose Up
CREATE TABLE decisions (
	seq INTEGER PRIMARY KEY,
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
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
-- +goose StatementEnd
