-- +goose Up
-- One schema for SQLite and PostgreSQL. Conventions that keep it portable:
--   ids are UUIDv7 text; instants are BIGINT unix milliseconds UTC; calendar
--   dates are TEXT 'YYYY-MM-DD' (they sort and compare as dates); money is
--   BIGINT fen; probabilities are INTEGER percent.

CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_id   TEXT REFERENCES teams(id),
    -- path lists the ids from the root down to this team, "/root/child/",
    -- so a subtree is one indexed prefix match.
    path        TEXT NOT NULL,
    manager_id  TEXT,
    region      TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX teams_path ON teams(path);
CREATE INDEX teams_manager ON teams(manager_id);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    team_id       TEXT REFERENCES teams(id),
    password_hash TEXT NOT NULL DEFAULT '',
    locale        TEXT NOT NULL DEFAULT 'zh-CN',
    time_zone     TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    active        INTEGER NOT NULL DEFAULT 1,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX users_team ON users(team_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    hash         TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- One-time links that let the first admin in without a default password.
CREATE TABLE setup_tokens (
    hash       TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    used_at    BIGINT
);

CREATE TABLE customers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    industry   TEXT NOT NULL DEFAULT '',
    region     TEXT NOT NULL DEFAULT '',
    address    TEXT NOT NULL DEFAULT '',
    size       TEXT NOT NULL DEFAULT '',
    owner_id   TEXT NOT NULL REFERENCES users(id),
    version    INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX customers_owner ON customers(owner_id);

CREATE TABLE contacts (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    wecom_id    TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX contacts_customer ON contacts(customer_id);

CREATE TABLE pipelines (
    id         TEXT PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    mode       TEXT NOT NULL DEFAULT 'manual',
    is_default INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE stages (
    id                  TEXT PRIMARY KEY,
    pipeline_id         TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    key                 TEXT NOT NULL,
    name_zh             TEXT NOT NULL,
    name_en             TEXT NOT NULL,
    probability         INTEGER NOT NULL,
    kind                TEXT NOT NULL,
    position            INTEGER NOT NULL,
    definition          TEXT NOT NULL DEFAULT '',
    expected_dwell_days INTEGER NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    UNIQUE (pipeline_id, key)
);

CREATE TABLE number_sequences (
    year   INTEGER NOT NULL,
    region TEXT NOT NULL,
    last   BIGINT NOT NULL,
    PRIMARY KEY (year, region)
);

CREATE TABLE opportunities (
    id                  TEXT PRIMARY KEY,
    number              TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    customer_id         TEXT NOT NULL REFERENCES customers(id),
    owner_id            TEXT NOT NULL REFERENCES users(id),
    pipeline_id         TEXT NOT NULL REFERENCES pipelines(id),
    stage_id            TEXT NOT NULL REFERENCES stages(id),
    status              TEXT NOT NULL,
    amount_fen          BIGINT NOT NULL,
    currency            TEXT NOT NULL DEFAULT 'CNY',
    expected_close_date TEXT NOT NULL,
    closed_on           TEXT,
    loss_reason         TEXT NOT NULL DEFAULT '',
    region              TEXT NOT NULL,
    industry            TEXT NOT NULL DEFAULT '',
    source              TEXT NOT NULL DEFAULT '',
    product_lines       TEXT NOT NULL DEFAULT '[]',
    competitors         TEXT NOT NULL DEFAULT '[]',
    competitor_count    INTEGER NOT NULL DEFAULT 0,
    last_contact_at     BIGINT,
    next_contact_at     BIGINT,
    stage_entered_at    BIGINT NOT NULL,
    created_by          TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
-- Reports group open deals by stage: these indexes cover the funnel and the
-- forecast without touching the table.
CREATE INDEX opportunities_funnel ON opportunities(status, stage_id, amount_fen);
CREATE INDEX opportunities_forecast ON opportunities(status, expected_close_date, stage_id, amount_fen);
CREATE INDEX opportunities_owner ON opportunities(owner_id, status, stage_id, amount_fen);
CREATE INDEX opportunities_customer ON opportunities(customer_id);
CREATE INDEX opportunities_won ON opportunities(status, closed_on, owner_id, amount_fen);

CREATE TABLE opportunity_collaborators (
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (opportunity_id, user_id)
);
CREATE INDEX opportunity_collaborators_user ON opportunity_collaborators(user_id);

-- Every stage move, with the probability and amount that held then, so past
-- forecasts, conversion and dwell can be recomputed after settings change.
CREATE TABLE stage_history (
    id             TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    from_stage_id  TEXT,
    to_stage_id    TEXT NOT NULL,
    at             BIGINT NOT NULL,
    by_user_id     TEXT NOT NULL,
    probability    INTEGER NOT NULL,
    amount_fen     BIGINT NOT NULL,
    via            TEXT NOT NULL,
    comment        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX stage_history_opportunity ON stage_history(opportunity_id, at);
CREATE INDEX stage_history_to ON stage_history(to_stage_id, at);

-- Every field change of an opportunity, who and when (SPEC §9).
CREATE TABLE opportunity_changes (
    id             TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    at             BIGINT NOT NULL,
    by_user_id     TEXT NOT NULL,
    field          TEXT NOT NULL,
    old_value      TEXT NOT NULL DEFAULT '',
    new_value      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX opportunity_changes_opportunity ON opportunity_changes(opportunity_id, at);

CREATE TABLE activities (
    id             TEXT PRIMARY KEY,
    opportunity_id TEXT REFERENCES opportunities(id) ON DELETE CASCADE,
    customer_id    TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    direction      TEXT NOT NULL DEFAULT 'outbound',
    occurred_at    BIGINT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    next_step      TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL REFERENCES users(id),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX activities_opportunity ON activities(opportunity_id, occurred_at);
CREATE INDEX activities_customer ON activities(customer_id, occurred_at);

CREATE TABLE activity_contacts (
    activity_id TEXT NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    contact_id  TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    PRIMARY KEY (activity_id, contact_id)
);
CREATE INDEX activity_contacts_contact ON activity_contacts(contact_id);

-- A quota belongs to one user or one team for one period ("2026-Q4", "2026-11").
CREATE TABLE quotas (
    id         TEXT PRIMARY KEY,
    scope      TEXT NOT NULL,
    scope_id   TEXT NOT NULL,
    period     TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (scope, scope_id, period)
);

-- Small orders kept out of the funnel (seed 003): counted as achieved, never
-- in the forecast.
CREATE TABLE direct_sales (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES users(id),
    customer_id TEXT REFERENCES customers(id),
    amount_fen  BIGINT NOT NULL,
    sold_on     TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX direct_sales_owner ON direct_sales(owner_id, sold_on);
CREATE INDEX direct_sales_sold ON direct_sales(sold_on);

-- +goose Down
DROP TABLE direct_sales;
DROP TABLE quotas;
DROP TABLE activity_contacts;
DROP TABLE activities;
DROP TABLE opportunity_changes;
DROP TABLE stage_history;
DROP TABLE opportunity_collaborators;
DROP TABLE opportunities;
DROP TABLE number_sequences;
DROP TABLE stages;
DROP TABLE pipelines;
DROP TABLE contacts;
DROP TABLE customers;
DROP TABLE setup_tokens;
DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE teams;
