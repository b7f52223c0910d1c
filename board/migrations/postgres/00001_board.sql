-- One row per task, as the dashboard and inboxes list it. Lists are stored
-- between commas (",ndrc,miit,") so "pending for ndrc" is one LIKE on an
-- indexed table.
-- +goose Up
CREATE TABLE IF NOT EXISTS board (
	workflow_id TEXT PRIMARY KEY,
	plan_id TEXT NOT NULL,
	task_no TEXT NOT NULL,
	title TEXT NOT NULL,
	status TEXT NOT NULL,
	round INTEGER NOT NULL,
	lead TEXT NOT NULL,
	participants TEXT NOT NULL,
	pending TEXT NOT NULL,
	due TEXT NOT NULL,
	warning_window_s BIGINT NOT NULL,
	decisions INTEGER NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS board_plan ON board (plan_id, task_no);
