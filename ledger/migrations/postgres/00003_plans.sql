-- Each launched plan's title, so lists name a plan as people know it; the
-- plan ID stays for URLs and the API.
-- +goose Up
CREATE TABLE IF NOT EXISTS plans (
	plan_id TEXT PRIMARY KEY,
	title TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
