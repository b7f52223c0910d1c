-- ScanKind reads the records of one kind (a plan's bulletins, its rounds
-- opened and closed) in sequence order without reading the whole ledger.
-- +goose Up
CREATE INDEX decisions_kind ON decisions (kind, seq);
