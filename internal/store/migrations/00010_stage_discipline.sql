-- +goose Up
-- Stage discipline (SPEC §3–4): what a stage requires, what a deal has ticked,
-- its documents, budget evidence, health and the approvals it waits for.

-- Per stage: entry indicators (mode A) or its checklist items (mode B), and
-- the gate: opportunity fields and document types required to enter it.
-- Lists are JSON arrays.
ALTER TABLE stages ADD COLUMN indicators TEXT NOT NULL DEFAULT '[]';
ALTER TABLE stages ADD COLUMN checklist TEXT NOT NULL DEFAULT '[]';
ALTER TABLE stages ADD COLUMN required_fields TEXT NOT NULL DEFAULT '[]';
ALTER TABLE stages ADD COLUMN required_documents TEXT NOT NULL DEFAULT '[]';
ALTER TABLE stages ADD COLUMN cadence_days INTEGER NOT NULL DEFAULT 0;

-- health_gate: forward moves into open stages obey the health score.
ALTER TABLE pipelines ADD COLUMN health_gate INTEGER NOT NULL DEFAULT 0;

-- Every saved pipeline version, so what a stage meant then stays known.
CREATE TABLE pipeline_revisions (
    pipeline_id TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL,
    by_user_id  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (pipeline_id, version)
);

-- need_scores: the 10 items of the needs-confirmation form ('' = not filled).
-- ticked: indicator or checklist keys ticked. health_*: the last computed
-- score, kept for lists and boards.
ALTER TABLE opportunities ADD COLUMN need_scores TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN ticked TEXT NOT NULL DEFAULT '[]';
ALTER TABLE opportunities ADD COLUMN health_tenths INTEGER NOT NULL DEFAULT 0;
ALTER TABLE opportunities ADD COLUMN health_decision TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN health_flagged INTEGER NOT NULL DEFAULT 0;

-- Documents live in the database, so any app copy can serve any file and a
-- backup of the database is a backup of everything.
CREATE TABLE documents (
    id             TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    doc_type       TEXT NOT NULL,
    name           TEXT NOT NULL,
    url            TEXT NOT NULL DEFAULT '',
    content_type   TEXT NOT NULL DEFAULT '',
    size           BIGINT NOT NULL DEFAULT 0,
    sha256         TEXT NOT NULL DEFAULT '',
    content        BYTEA,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    deleted_at     BIGINT
);
CREATE INDEX documents_opportunity ON documents(opportunity_id, doc_type);

CREATE TABLE budget_facts (
    id                   TEXT PRIMARY KEY,
    opportunity_id       TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    kind                 TEXT NOT NULL,
    evidence_activity_id TEXT REFERENCES activities(id) ON DELETE SET NULL,
    evidence_document_id TEXT REFERENCES documents(id) ON DELETE SET NULL,
    created_by           TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    UNIQUE (opportunity_id, kind)
);

CREATE TABLE approvals (
    id             TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    from_stage_id  TEXT NOT NULL,
    to_stage_id    TEXT NOT NULL,
    requested_by   TEXT NOT NULL,
    approver_id    TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    health_tenths  INTEGER NOT NULL,
    missing        TEXT NOT NULL DEFAULT '[]',
    comment        TEXT NOT NULL DEFAULT '',
    decided_by     TEXT NOT NULL DEFAULT '',
    decided_at     BIGINT,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX approvals_opportunity ON approvals(opportunity_id, status);
CREATE INDEX approvals_approver ON approvals(approver_id, status);

-- Settings an admin changes (health weights and thresholds, …), JSON values.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE approvals;
DROP TABLE budget_facts;
DROP TABLE documents;
DROP TABLE pipeline_revisions;
