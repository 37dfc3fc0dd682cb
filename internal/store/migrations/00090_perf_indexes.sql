-- +goose Up
-- Covering indexes for the funnel (docs/performance.md). Every funnel names
-- its pipeline, which opportunities_funnel and opportunities_owner lack: the
-- company's funnel read each open deal's row to check it, and a rep's or a
-- team's funnel the same for every deal of its owners. With the pipeline in
-- the index, the counts and sums come from the index alone. Status comes
-- first: led by the pipeline, SQLite also took the index for lists filtered
-- by pipeline alone and sorted the whole pipeline to return a page in id
-- order, where reading by id stops after the page.
CREATE INDEX opportunities_pipeline_funnel ON opportunities(status, pipeline_id, stage_id, amount_fen);
CREATE INDEX opportunities_owner_funnel ON opportunities(owner_id, status, pipeline_id, stage_id, amount_fen);

-- +goose Down
DROP INDEX opportunities_owner_funnel;
DROP INDEX opportunities_pipeline_funnel;
