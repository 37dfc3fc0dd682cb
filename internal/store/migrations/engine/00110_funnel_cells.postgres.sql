-- The open deals' funnel, pre-aggregated per owner, pipeline and stage
-- (docs/performance.md, "Team's view"): a manager's funnel of their team
-- sums a few dozen cells instead of reading every open deal of the team.
-- Only open deals count. A cell whose deals all left keeps its row with
-- zeros (readers skip it); rows are bounded by owners × stages.
--
-- Triggers keep it exact in the same transaction as every change of a deal,
-- so no write path (app, import, demo loader, bulk code, a hand-written
-- DELETE) can forget it. Each change adds a delta to the cells it touches
-- with one INSERT … ON CONFLICT DO UPDATE.
--
-- Locks. Updating a cell locks its row until the transaction ends, so two
-- transactions that touch the same two cells in opposite orders deadlock
-- (40P01): a deal moved from stage A to B while another moves from B to A.
-- Every upsert here therefore touches its cells in key order (owner,
-- pipeline, stage): the deltas of a statement are summed per cell and
-- written ORDER BY the key. What remains: a transaction that changes
-- several deals in separate statements (imports, bulk loads) locks cells in
-- the order of its statements, and can still deadlock with another such
-- transaction or with a single move; PostgreSQL then aborts one of the two.
-- A cell is also a point where writers of the same owner, pipeline and
-- stage queue behind one another until commit.
--
-- INSERT and DELETE use statement-level triggers over the transition
-- tables: a 500-row INSERT of a bulk load is one aggregate upsert of a few
-- cells, not 500. UPDATE uses a row-level trigger: only it can name the
-- columns (UPDATE OF … and a WHEN that skips edits changing nothing the
-- funnel counts; PostgreSQL refuses transition tables on a trigger with a
-- column list), and updates of deals come one deal per statement.
CREATE TABLE funnel_cells (
    owner_id    TEXT NOT NULL,
    pipeline_id TEXT NOT NULL,
    stage_id    TEXT NOT NULL,
    deals       BIGINT NOT NULL,
    amount_fen  BIGINT NOT NULL,
    PRIMARY KEY (owner_id, pipeline_id, stage_id)
);

CREATE FUNCTION funnel_cells_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO funnel_cells AS c (owner_id, pipeline_id, stage_id, deals, amount_fen)
        SELECT owner_id, pipeline_id, stage_id, COUNT(*), SUM(amount_fen) FROM funnel_new_deals WHERE status = 'open'
        GROUP BY owner_id, pipeline_id, stage_id ORDER BY owner_id, pipeline_id, stage_id
        ON CONFLICT (owner_id, pipeline_id, stage_id)
        DO UPDATE SET deals = c.deals + EXCLUDED.deals, amount_fen = c.amount_fen + EXCLUDED.amount_fen;
    ELSE
        INSERT INTO funnel_cells AS c (owner_id, pipeline_id, stage_id, deals, amount_fen)
        SELECT owner_id, pipeline_id, stage_id, -COUNT(*), -SUM(amount_fen) FROM funnel_old_deals WHERE status = 'open'
        GROUP BY owner_id, pipeline_id, stage_id ORDER BY owner_id, pipeline_id, stage_id
        ON CONFLICT (owner_id, pipeline_id, stage_id)
        DO UPDATE SET deals = c.deals + EXCLUDED.deals, amount_fen = c.amount_fen + EXCLUDED.amount_fen;
    END IF;
    RETURN NULL;
END $$;

-- A moved, reassigned, closed, reopened or repriced deal: −1 and the old
-- amount in its old cell, +1 and the new amount in its new one, summed per
-- cell (an amount change in place is one update) and written in key order.
CREATE FUNCTION funnel_cells_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO funnel_cells AS c (owner_id, pipeline_id, stage_id, deals, amount_fen)
    SELECT d.owner_id, d.pipeline_id, d.stage_id, SUM(d.deals), SUM(d.amount_fen) FROM (
        SELECT OLD.owner_id, OLD.pipeline_id, OLD.stage_id, -1, -OLD.amount_fen WHERE OLD.status = 'open'
        UNION ALL
        SELECT NEW.owner_id, NEW.pipeline_id, NEW.stage_id, 1, NEW.amount_fen WHERE NEW.status = 'open'
    ) d (owner_id, pipeline_id, stage_id, deals, amount_fen)
    GROUP BY d.owner_id, d.pipeline_id, d.stage_id
    HAVING SUM(d.deals) <> 0 OR SUM(d.amount_fen) <> 0
    ORDER BY d.owner_id, d.pipeline_id, d.stage_id
    ON CONFLICT (owner_id, pipeline_id, stage_id)
    DO UPDATE SET deals = c.deals + EXCLUDED.deals, amount_fen = c.amount_fen + EXCLUDED.amount_fen;
    RETURN NULL;
END $$;

-- The triggers come before the backfill: CREATE TRIGGER locks opportunities
-- against writes until this migration commits, so the backfill, which reads
-- after that lock is held, sees every deal committed before it, and every
-- later change goes through the triggers.
CREATE TRIGGER funnel_cells_insert AFTER INSERT ON opportunities
    REFERENCING NEW TABLE AS funnel_new_deals
    FOR EACH STATEMENT EXECUTE FUNCTION funnel_cells_statement();

CREATE TRIGGER funnel_cells_delete AFTER DELETE ON opportunities
    REFERENCING OLD TABLE AS funnel_old_deals
    FOR EACH STATEMENT EXECUTE FUNCTION funnel_cells_statement();

CREATE TRIGGER funnel_cells_update AFTER UPDATE OF status, owner_id, pipeline_id, stage_id, amount_fen ON opportunities
    FOR EACH ROW
    WHEN ((OLD.status = 'open' OR NEW.status = 'open')
        AND (OLD.status, OLD.owner_id, OLD.pipeline_id, OLD.stage_id, OLD.amount_fen)
            IS DISTINCT FROM (NEW.status, NEW.owner_id, NEW.pipeline_id, NEW.stage_id, NEW.amount_fen))
    EXECUTE FUNCTION funnel_cells_row();

-- The deals already there (a kept database, an upgraded installation).
INSERT INTO funnel_cells (owner_id, pipeline_id, stage_id, deals, amount_fen)
SELECT owner_id, pipeline_id, stage_id, COUNT(*), SUM(amount_fen) FROM opportunities WHERE status = 'open'
GROUP BY owner_id, pipeline_id, stage_id;
