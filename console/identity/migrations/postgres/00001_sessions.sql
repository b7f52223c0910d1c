-- The console's sessions, beside the ledger so every replica of the console
-- knows every session. A session is found by the SHA-256 of its cookie,
-- never the cookie itself; it names the token it was made from (its hash),
-- carries its CSRF token and the notice its next page shows, and ends at
-- expires (Unix nanoseconds) or when its row is deleted (sign-out).
-- +goose Up
CREATE TABLE IF NOT EXISTS sessions (
	id_sha256 TEXT PRIMARY KEY,
	token_sha256 TEXT NOT NULL,
	csrf TEXT NOT NULL,
	created BIGINT NOT NULL,
	expires BIGINT NOT NULL,
	notice TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);
