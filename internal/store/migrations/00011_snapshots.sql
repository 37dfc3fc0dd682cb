-- +goose Up
-- Weekly snapshots (seed 003): each open opportunity's stage, amount and
-- probability at the end of a sales week, so past forecasts are read, not
-- reconstructed. week_end is the week's last day in the company calendar.
CREATE TABLE snapshots (
    week_end            TEXT NOT NULL,
    opportunity_id      TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    owner_id            TEXT NOT NULL,
    pipeline_id         TEXT NOT NULL,
    stage_id            TEXT NOT NULL,
    amount_fen          BIGINT NOT NULL,
    probability         INTEGER NOT NULL,
    expected_close_date TEXT NOT NULL,
    taken_at            BIGINT NOT NULL,
    PRIMARY KEY (week_end, opportunity_id)
);
CREATE INDEX snapshots_owner ON snapshots(week_end, owner_id);

-- One row per week taken, so "was this week taken" is one lookup even when
-- no deal was open.
CREATE TABLE snapshot_weeks (
    week_end TEXT PRIMARY KEY,
    taken_at BIGINT NOT NULL,
    deals    INTEGER NOT NULL
);

-- +goose Down
DROP TABLE snapshot_weeks;
DROP TABLE snapshots;
