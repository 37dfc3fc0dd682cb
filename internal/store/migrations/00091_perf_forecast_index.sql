-- +goose Up
-- The forecast sums open deals closing in a period by stage. SQLite 3.54
-- prefers reading the open deals in stage order (no sort for the GROUP BY)
-- to opportunities_forecast's date range, and with opportunities_funnel that
-- meant fetching every open deal's row to check its date: seconds at a
-- million deals. This index is in stage order and holds the date and the
-- amount, so the same plan reads the index alone (docs/performance.md).
CREATE INDEX opportunities_forecast_stage ON opportunities(status, stage_id, expected_close_date, amount_fen);

-- +goose Down
DROP INDEX opportunities_forecast_stage;
