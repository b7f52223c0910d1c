package schema_test

// The migrations the ledger package applied, in this order, before goose
// (one list per dialect, recorded in ledger_schema): fixtures that build a
// data folder as an older lianxi left it.

const oldDecisionsSQLite = `CREATE TABLE decisions (
	seq INTEGER PRIMARY KEY, decision_id TEXT NOT NULL UNIQUE, workflow_id TEXT NOT NULL, run_id TEXT NOT NULL,
	plan_id TEXT NOT NULL, task_no TEXT NOT NULL, round INTEGER NOT NULL, kind TEXT NOT NULL, ministry TEXT NOT NULL,
	person TEXT NOT NULL, payload TEXT NOT NULL, at TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX decisions_workflow ON decisions (workflow_id, seq);
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;`

const oldDecisionsPostgres = `CREATE TABLE decisions (
	seq BIGINT PRIMARY KEY, decision_id TEXT NOT NULL UNIQUE, workflow_id TEXT NOT NULL, run_id TEXT NOT NULL,
	plan_id TEXT NOT NULL, task_no TEXT NOT NULL, round INTEGER NOT NULL, kind TEXT NOT NULL, ministry TEXT NOT NULL,
	person TEXT NOT NULL, payload TEXT NOT NULL, at TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX decisions_workflow ON decisions (workflow_id, seq);
CREATE FUNCTION decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$;
CREATE TRIGGER decisions_no_change BEFORE UPDATE OR DELETE ON decisions
	FOR EACH ROW EXECUTE FUNCTION decisions_append_only();`

// oldShared are versions 2..9, the same on both dialects.
var oldShared = []string{
	`CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, recipient TEXT NOT NULL, kind TEXT NOT NULL, plan_id TEXT NOT NULL,
		task_no TEXT NOT NULL, title TEXT NOT NULL, round INTEGER NOT NULL, due TEXT NOT NULL, detail TEXT NOT NULL, text TEXT NOT NULL,
		state TEXT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT NOT NULL, created_at TEXT NOT NULL);
	CREATE INDEX IF NOT EXISTS outbox_recipient ON outbox (recipient, created_at);`,
	`ALTER TABLE outbox ADD COLUMN next_attempt TEXT NOT NULL DEFAULT '';
	ALTER TABLE outbox ADD COLUMN lease_until TEXT NOT NULL DEFAULT '';
	CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt);`,
	`ALTER TABLE outbox ADD COLUMN read_at TEXT NOT NULL DEFAULT '';`,
	`CREATE TABLE IF NOT EXISTS board (workflow_id TEXT PRIMARY KEY, plan_id TEXT NOT NULL, task_no TEXT NOT NULL, title TEXT NOT NULL,
		status TEXT NOT NULL, round INTEGER NOT NULL, lead TEXT NOT NULL, participants TEXT NOT NULL, pending TEXT NOT NULL,
		due TEXT NOT NULL, warning_window_s BIGINT NOT NULL, decisions INTEGER NOT NULL, updated_at TEXT NOT NULL);
	CREATE INDEX IF NOT EXISTS board_plan ON board (plan_id, task_no);`,
	`CREATE TABLE checkpoints (size BIGINT PRIMARY KEY, root TEXT NOT NULL, note TEXT NOT NULL, at TEXT NOT NULL);`,
	`CREATE TABLE IF NOT EXISTS plans (plan_id TEXT PRIMARY KEY, title TEXT NOT NULL, updated_at TEXT NOT NULL);`,
	`CREATE TABLE IF NOT EXISTS sessions (id_sha256 TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL, csrf TEXT NOT NULL,
		created BIGINT NOT NULL, expires BIGINT NOT NULL, notice TEXT NOT NULL DEFAULT '');
	CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);`,
	`CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until BIGINT NOT NULL, period BIGINT NOT NULL DEFAULT 0);`,
}
