-- +goose Up
-- The health score over time (SPEC §7's lifecycle report shows it): a row
-- whenever a recomputation changes the score or the decision. The current
-- value stays cached on the opportunity for boards and lists.
CREATE TABLE health_history (
    id             TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    at             BIGINT NOT NULL,
    health_tenths  INTEGER NOT NULL,
    decision       TEXT NOT NULL
);
CREATE INDEX health_history_opportunity ON health_history (opportunity_id, at);

-- +goose Down
DROP TABLE health_history;
