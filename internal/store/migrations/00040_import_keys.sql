-- +goose Up
-- Imports remember which record each source row became, keyed by the row's
-- external id (or natural key), so importing the same file twice changes
-- nothing. A side table rather than columns on every record: the records stay
-- as the rest of the app knows them, and one lookup serves every kind.
CREATE TABLE import_keys (
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX import_keys_record ON import_keys(record_id);

-- +goose Down
DROP TABLE import_keys;
