-- Every signed checkpoint, so any process (the API, the CLI) can hand out
-- the latest one and build proofs against it without holding the key. The
-- copy outside the database is what counts.
-- +goose Up
CREATE TABLE checkpoints (
	size BIGINT PRIMARY KEY,
	root TEXT NOT NULL,
	note TEXT NOT NULL,
	at TEXT NOT NULL
);
