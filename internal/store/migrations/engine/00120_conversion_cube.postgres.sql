-- Conversion and velocity kept summed per pipeline × owner × month of
-- creation (docs/conversion.md). Triggers log every deal whose path may have
-- changed in conv_log; store.FoldConversion folds logged deals into the cells.
CREATE TABLE conv_log (
    seq            BIGSERIAL PRIMARY KEY,
    opportunity_id TEXT NOT NULL
);

-- What each deal last added to the cells, to take back when it changes.
CREATE TABLE conv_paths (
    opportunity_id TEXT PRIMARY KEY,
    contribution   TEXT NOT NULL
);

CREATE TABLE conv_deal_cells (
    pipeline_id TEXT NOT NULL,
    owner_id    TEXT NOT NULL,
    month       INTEGER NOT NULL,
    deals       BIGINT NOT NULL DEFAULT 0,
    won         BIGINT NOT NULL DEFAULT 0,
    lost        BIGINT NOT NULL DEFAULT 0,
    high        BIGINT NOT NULL DEFAULT 0,
    dm          BIGINT NOT NULL DEFAULT 0,
    cycles      BIGINT NOT NULL DEFAULT 0,
    cycle_ms    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (pipeline_id, owner_id, month)
);

CREATE TABLE conv_loss_cells (
    pipeline_id TEXT NOT NULL,
    owner_id    TEXT NOT NULL,
    month       INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    deals       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (pipeline_id, owner_id, month, reason)
);

CREATE TABLE conv_stage_cells (
    pipeline_id    TEXT NOT NULL,
    owner_id       TEXT NOT NULL,
    month          INTEGER NOT NULL,
    stage_id       TEXT NOT NULL,
    entered        BIGINT NOT NULL DEFAULT 0,
    advanced       BIGINT NOT NULL DEFAULT 0,
    closed_reached BIGINT NOT NULL DEFAULT 0,
    won_reached    BIGINT NOT NULL DEFAULT 0,
    stays          BIGINT NOT NULL DEFAULT 0,
    dwell_ms       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (pipeline_id, owner_id, month, stage_id)
);

-- Stays counted per whole day of dwell: where a median lies.
CREATE TABLE conv_dwell_days (
    pipeline_id TEXT NOT NULL,
    owner_id    TEXT NOT NULL,
    month       INTEGER NOT NULL,
    stage_id    TEXT NOT NULL,
    day         INTEGER NOT NULL,
    stays       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (pipeline_id, owner_id, month, stage_id, day)
);

-- Every finished stay: the exact median inside its day.
CREATE TABLE conv_stays (
    opportunity_id TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    pipeline_id    TEXT NOT NULL,
    owner_id       TEXT NOT NULL,
    month          INTEGER NOT NULL,
    stage_id       TEXT NOT NULL,
    day            INTEGER NOT NULL,
    dwell_ms       BIGINT NOT NULL,
    PRIMARY KEY (opportunity_id, seq)
);
CREATE INDEX conv_stays_median ON conv_stays (pipeline_id, stage_id, day, dwell_ms, owner_id, month);

-- One function per kind of row; each logs the deal(s) a change touches.
CREATE FUNCTION conv_log_opportunity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO conv_log (opportunity_id) VALUES (OLD.id);
        RETURN OLD;
    END IF;
    INSERT INTO conv_log (opportunity_id) VALUES (NEW.id);
    RETURN NEW;
END $$;
CREATE TRIGGER conv_opportunity_insert_delete AFTER INSERT OR DELETE ON opportunities
    FOR EACH ROW EXECUTE FUNCTION conv_log_opportunity();
CREATE TRIGGER conv_opportunity_update AFTER UPDATE ON opportunities FOR EACH ROW
    WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.pipeline_id IS DISTINCT FROM NEW.pipeline_id
      OR OLD.status IS DISTINCT FROM NEW.status OR OLD.amount_fen IS DISTINCT FROM NEW.amount_fen
      OR OLD.loss_reason IS DISTINCT FROM NEW.loss_reason OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION conv_log_opportunity();

CREATE FUNCTION conv_log_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO conv_log (opportunity_id) VALUES (OLD.opportunity_id);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO conv_log (opportunity_id) VALUES (NEW.opportunity_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER conv_history_insert_delete AFTER INSERT OR DELETE ON stage_history
    FOR EACH ROW EXECUTE FUNCTION conv_log_history();
CREATE TRIGGER conv_history_update AFTER UPDATE ON stage_history FOR EACH ROW
    WHEN (OLD.opportunity_id IS DISTINCT FROM NEW.opportunity_id OR OLD.to_stage_id IS DISTINCT FROM NEW.to_stage_id
      OR OLD.at IS DISTINCT FROM NEW.at)
    EXECUTE FUNCTION conv_log_history();

-- Decision-chain coverage: a decision maker reached in a deal's activities.
CREATE FUNCTION conv_log_activity_contact() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    activity TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN activity := OLD.activity_id; ELSE activity := NEW.activity_id; END IF;
    INSERT INTO conv_log (opportunity_id)
        SELECT opportunity_id FROM activities WHERE id = activity AND opportunity_id IS NOT NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER conv_activity_contact AFTER INSERT OR DELETE ON activity_contacts
    FOR EACH ROW EXECUTE FUNCTION conv_log_activity_contact();

CREATE FUNCTION conv_log_activity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.opportunity_id IS NOT NULL THEN
        INSERT INTO conv_log (opportunity_id) VALUES (OLD.opportunity_id);
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.opportunity_id IS NOT NULL THEN
        INSERT INTO conv_log (opportunity_id) VALUES (NEW.opportunity_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER conv_activity_update AFTER UPDATE ON activities FOR EACH ROW
    WHEN (OLD.opportunity_id IS DISTINCT FROM NEW.opportunity_id)
    EXECUTE FUNCTION conv_log_activity();
CREATE TRIGGER conv_activity_delete AFTER DELETE ON activities
    FOR EACH ROW EXECUTE FUNCTION conv_log_activity();

CREATE FUNCTION conv_log_contact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO conv_log (opportunity_id) SELECT DISTINCT a.opportunity_id FROM activity_contacts ac
        JOIN activities a ON a.id = ac.activity_id WHERE ac.contact_id = NEW.id AND a.opportunity_id IS NOT NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER conv_contact_role AFTER UPDATE ON contacts FOR EACH ROW
    WHEN (OLD.role IS DISTINCT FROM NEW.role)
    EXECUTE FUNCTION conv_log_contact();

-- A stage added, removed, moved or turned open/closed changes which stages a
-- deal passed: every deal of the pipeline is folded again.
CREATE FUNCTION conv_log_stage() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pipeline TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN pipeline := OLD.pipeline_id; ELSE pipeline := NEW.pipeline_id; END IF;
    INSERT INTO conv_log (opportunity_id) SELECT id FROM opportunities WHERE pipeline_id = pipeline;
    RETURN NULL;
END $$;
CREATE TRIGGER conv_stage_insert_delete AFTER INSERT OR DELETE ON stages
    FOR EACH ROW EXECUTE FUNCTION conv_log_stage();
CREATE TRIGGER conv_stage_update AFTER UPDATE ON stages FOR EACH ROW
    WHEN (OLD.position IS DISTINCT FROM NEW.position OR OLD.kind IS DISTINCT FROM NEW.kind)
    EXECUTE FUNCTION conv_log_stage();

-- The deals there are already.
INSERT INTO conv_log (opportunity_id) SELECT id FROM opportunities;
