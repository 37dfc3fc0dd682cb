-- +goose Up
-- The follow-up rhythm (issue 5): todos, risk flags and the discipline
-- points ledger. Each rule writes with a natural key, so a rule that runs
-- again (the next tick, a second copy of serve) never writes twice.

-- A todo is one thing a user should do about a deal. Rules create them with
-- (kind, opportunity_id, due_key) unique: due_key names the occurrence (the
-- next-contact instant, the start of the silence a cadence todo is about).
CREATE TABLE todos (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    opportunity_id  TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    due_key         TEXT NOT NULL,
    owner_id        TEXT NOT NULL REFERENCES users(id),
    title           TEXT NOT NULL,
    detail          TEXT NOT NULL DEFAULT '',
    due_at          BIGINT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    -- snoozed_until hides an open todo until then; it also moves the
    -- instant it counts as overdue from.
    snoozed_until   BIGINT,
    done_at         BIGINT,
    done_by         TEXT NOT NULL DEFAULT '',
    -- Escalation marks: the owner, then the manager, is told once.
    owner_notified_at   BIGINT,
    manager_notified_at BIGINT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX todos_natural ON todos(kind, opportunity_id, due_key);
CREATE INDEX todos_owner ON todos(owner_id, status, due_at);
CREATE INDEX todos_open ON todos(status, due_at);

-- A risk flag that holds now: one row per opportunity and rule. since is
-- when the condition began (deterministic, so the risk.raised event of one
-- spell is deduplicated by it); the row goes when the condition ends.
CREATE TABLE risks (
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    rule           TEXT NOT NULL,
    level          TEXT NOT NULL CHECK (level IN ('high', 'medium', 'low')),
    since          BIGINT NOT NULL,
    evidence       TEXT NOT NULL DEFAULT '',
    advice         TEXT NOT NULL DEFAULT '[]',
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (opportunity_id, rule)
);
CREATE INDEX risks_level ON risks(level, opportunity_id);

-- Discipline points: a ledger, never updated. (rule, opportunity_id,
-- spell_key) is unique: a zombie spell (identified by the last update that
-- began it) costs its points once.
CREATE TABLE points (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id),
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    rule           TEXT NOT NULL,
    spell_key      TEXT NOT NULL,
    delta          INTEGER NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    at             BIGINT NOT NULL
);
CREATE UNIQUE INDEX points_natural ON points(rule, opportunity_id, spell_key);
CREATE INDEX points_user ON points(user_id, at);

-- +goose Down
DROP TABLE points;
DROP TABLE risks;
DROP TABLE todos;
