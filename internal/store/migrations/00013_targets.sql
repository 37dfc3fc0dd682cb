-- +goose Up
-- Targets in seed 004's paradigms: a named-account list per person or team
-- (behaviour: coverage and penetration) and milestones on large deals
-- (project: owners, due dates, slips).
CREATE TABLE named_accounts (
    scope       TEXT NOT NULL,
    scope_id    TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (scope, scope_id, customer_id)
);

CREATE TABLE milestones (
    id             TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    owner_id       TEXT NOT NULL REFERENCES users(id),
    due_on         TEXT NOT NULL,
    done_on        TEXT,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX milestones_opportunity ON milestones(opportunity_id, due_on);

-- +goose Down
DROP TABLE milestones;
DROP TABLE named_accounts;
