-- +goose Up
-- Forecast roll-up with sign-off (seed 003): each level submits its forecast
-- for a period — a rep their own, a manager their team's, adjusted with a
-- comment — and the level above sees submitted and live figures side by side.
-- Every submission is kept; the latest per scope and period is current.
CREATE TABLE forecast_submissions (
    id           TEXT PRIMARY KEY,
    scope        TEXT NOT NULL,
    scope_id     TEXT NOT NULL,
    period       TEXT NOT NULL,
    live_fen     BIGINT NOT NULL,
    amount_fen   BIGINT NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    submitted_by TEXT NOT NULL,
    submitted_at BIGINT NOT NULL
);
CREATE INDEX forecast_submissions_scope ON forecast_submissions(scope, scope_id, period, submitted_at);

-- +goose Down
DROP TABLE forecast_submissions;
