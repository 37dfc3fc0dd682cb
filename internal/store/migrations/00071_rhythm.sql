-- +goose Up
-- The follow-up rhythm, second part (issue 5).

-- A risk's spell names the occurrence of its condition (e.g. the stage
-- entry a dwell risk is about), so the risk.raised event of one spell is
-- sent once however its since or evidence are refreshed.
ALTER TABLE risks ADD COLUMN spell TEXT NOT NULL DEFAULT '';

-- Job slots: a periodic job claims (job, slot) before it runs; the slot is
-- its period's start. Several copies of serve on one PostgreSQL try the
-- same insert and exactly one of them runs the job for the period.
CREATE TABLE job_runs (
    job        TEXT NOT NULL,
    slot       BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    PRIMARY KEY (job, slot)
);

-- The archive of a closed deal (SPEC §7): success points for a win, the
-- loss analysis form for a loss. One row per deal; filling it settles the
-- archive todo and the archive_overdue flag.
CREATE TABLE deal_archives (
    opportunity_id       TEXT PRIMARY KEY REFERENCES opportunities(id) ON DELETE CASCADE,
    outcome              TEXT NOT NULL CHECK (outcome IN ('won', 'lost')),
    success_points       TEXT NOT NULL DEFAULT '[]',
    loss_reason          TEXT NOT NULL DEFAULT '',
    competitor_strengths TEXT NOT NULL DEFAULT '',
    real_reason          TEXT NOT NULL DEFAULT '',
    own_weaknesses       TEXT NOT NULL DEFAULT '',
    by_user_id           TEXT NOT NULL REFERENCES users(id),
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);

-- +goose Down
DROP TABLE deal_archives;
DROP TABLE job_runs;
ALTER TABLE risks DROP COLUMN spell;
