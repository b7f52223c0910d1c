-- Columns and indexes that let the dashboard and inboxes read one page of
-- tasks in the board's own order: sort_key is the task number with its
-- numeric parts zero-padded (so 2.10 sorts after 2.9), section the part
-- before the first dot, warn_at when the task turns yellow (due minus its
-- warning window, RFC 3339 in UTC). Open fills them for rows written
-- before this migration.
-- +goose Up
ALTER TABLE board ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
ALTER TABLE board ADD COLUMN section TEXT NOT NULL DEFAULT '';
ALTER TABLE board ADD COLUMN warn_at TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS board_order ON board (plan_id, sort_key, workflow_id);
CREATE INDEX IF NOT EXISTS board_status_order ON board (status, plan_id, sort_key, workflow_id);
-- The filter menus and totals of a plan read this index alone.
CREATE INDEX IF NOT EXISTS board_menus ON board (plan_id, status, section);
