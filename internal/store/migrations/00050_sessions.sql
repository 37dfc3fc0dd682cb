-- +goose Up
-- Web sessions live in the database so any copy of `shangji serve` can answer
-- any request. Only a SHA-256 hash of the cookie's secret is stored: a copy
-- of the database does not let anyone sign in.
CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

-- +goose Down
DROP TABLE sessions;
