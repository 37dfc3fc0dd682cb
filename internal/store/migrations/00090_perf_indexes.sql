-- +goose Up
-- Covering indexes for the funnel (docs/performance.md). Every funnel names
-- its pipeline, which opportunities_funnel and opportunities_owner lack: the
-- company's funnel read each open deal's row to check it, and a rep's or a
-- team's funnel the same for every deal of its owners. With the pipeline in
-- the index, the counts and sums come from the index alone.
CREATE INDEX opportunities_pipeline_funnel ON opportunities(pipeline_id, status, stage_id, amount_fen);
CREATE INDEX opportunities_owner_funnel ON opportunities(owner_id, status, pipeline_id, stage_id, amount_fen);

-- +goose Down
DROP INDEX opportunities_owner_funnel;
DROP INDEX opportunities_pipeline_funnel;
