-- A bulk insert counts its own deals into funnel_cells (store.countingCellsOnce):
-- the INSERT trigger stands aside while the transaction-local setting
-- shangji.funnel_cells is 'bulk'. Counted by the trigger, a cell was updated
-- once per 500-row statement, and each update inside one transaction leaves
-- a version that every later one steps over until the commit: a load slowed
-- down with every statement (a million deals spread over 144 cells: 10
-- minutes more than without the trigger). Counted once per call, it is a few
-- updates per cell. Only PostgreSQL keeps such versions; SQLite needs no
-- change, so this version has no SQLite half.
CREATE OR REPLACE FUNCTION funnel_cells_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF current_setting('shangji.funnel_cells', true) = 'bulk' THEN
            RETURN NULL;
        END IF;
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
