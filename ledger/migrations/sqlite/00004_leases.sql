-- Which process holds the right to run a piece of periodic work (name),
-- until when (until, Unix nanoseconds of the holder's clock), and the last
-- period of that work some holder ran (period, counted from the Unix epoch
-- in the job's own period length), so a period's work runs once even when
-- the lease changes hands inside it.
-- +goose Up
CREATE TABLE IF NOT EXISTS leases (
	name TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	until BIGINT NOT NULL,
	period BIGINT NOT NULL DEFAULT 0
);
