-- The open deals' funnel, pre-aggregated per owner, pipeline and stage
-- (docs/performance.md, "Team's view"): a manager's funnel of their team
-- sums a few dozen cells instead of reading every open deal of the team.
-- Only open deals count. A cell whose deals all left keeps its row with
-- zeros (readers skip it); rows are bounded by owners × stages.
--
-- Triggers keep it exact in the same transaction as every change of a deal,
-- so no write path (app, import, demo loader, bulk code, a hand-written
-- DELETE) can forget it. Each change is an upsert that adds a delta to the
-- cell: +1 and the amount where a deal arrives, −1 and its amount where it
-- leaves. SQLite has one writer, so the order the cells are touched in does
-- not matter here (it does on PostgreSQL: 00110_funnel_cells.postgres.sql).
CREATE TABLE funnel_cells (
    owner_id    TEXT NOT NULL,
    pipeline_id TEXT NOT NULL,
    stage_id    TEXT NOT NULL,
    deals       BIGINT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    PRIMARY KEY (owner_id, pipeline_id, stage_id)
) WITHOUT ROWID;

CREATE TRIGGER funnel_cells_insert AFTER INSERT ON opportunities
WHEN NEW.status = 'open'
BEGIN
    INSERT INTO funnel_cells (owner_id, pipeline_id, stage_id, deals, amount_fen)
    VALUES (NEW.owner_id, NEW.pipeline_id, NEW.stage_id, 1, NEW.amount_fen)
    ON CONFLICT (owner_id, pipeline_id, stage_id)
    DO UPDATE SET deals = deals + excluded.deals, amount_fen = amount_fen + excluded.amount_fen;
END;

CREATE TRIGGER funnel_cells_delete AFTER DELETE ON opportunities
WHEN OLD.status = 'open'
BEGIN
    INSERT INTO funnel_cells (owner_id, pipeline_id, stage_id, deals, amount_fen)
    VALUES (OLD.owner_id, OLD.pipeline_id, OLD.stage_id, -1, -OLD.amount_fen)
    ON CONFLICT (owner_id, pipeline_id, stage_id)
    DO UPDATE SET deals = deals + excluded.deals, amount_fen = amount_fen + excluded.amount_fen;
END;

-- UPDATE OF fires whenever one of the columns is assigned, changed or not
-- (every edit of a deal assigns its owner and amount): WHEN skips those
-- that change nothing the funnel counts, and closed deals that stay closed.
CREATE TRIGGER funnel_cells_update AFTER UPDATE OF status, owner_id, pipeline_id, stage_id, amount_fen ON opportunities
WHEN (OLD.status = 'open' OR NEW.status = 'open')
    AND (OLD.status IS NOT NEW.status OR OLD.owner_id IS NOT NEW.owner_id OR OLD.pipeline_id IS NOT NEW.pipeline_id
        OR OLD.stage_id IS NOT NEW.stage_id OR OLD.amount_fen IS NOT NEW.amount_fen)
BEGIN
    INSERT INTO funnel_cells (owner_id, pipeline_id, stage_id, deals, amount_fen)
    SELECT OLD.owner_id, OLD.pipeline_id, OLD.stage_id, -1, -OLD.amount_fen WHERE OLD.status = 'open'
    ON CONFLICT (owner_id, pipeline_id, stage_id)
    DO UPDATE SET deals = deals + excluded.deals, amount_fen = amount_fen + excluded.amount_fen;
    INSERT INTO funnel_cells (owner_id, pipeline_id, stage_id, deals, amount_fen)
    SELECT NEW.owner_id, NEW.pipeline_id, NEW.stage_id, 1, NEW.amount_fen WHERE NEW.status = 'open'
    ON CONFLICT (owner_id, pipeline_id, stage_id)
    DO UPDATE SET deals = deals + excluded.deals, amount_fen = amount_fen + excluded.amount_fen;
END;

-- The deals already there (a kept database, an upgraded installation).
INSERT INTO funnel_cells (owner_id, pipeline_id, stage_id, deals, amount_fen)
SELECT owner_id, pipeline_id, stage_id, COUNT(*), SUM(amount_fen) FROM opportunities WHERE status = 'open'
GROUP BY owner_id, pipeline_id, stage_id;
