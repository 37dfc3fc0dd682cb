-- Conversion and velocity kept summed per pipeline × owner × month of
-- creation (docs/conversion.md). Triggers log every deal whose path may have
-- changed in conv_log; store.FoldConversion folds logged deals into the cells.
CREATE TABLE conv_log (
    seq            INTEGER PRIMARY KEY,
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

CREATE TRIGGER conv_opportunity_insert AFTER INSERT ON opportunities
BEGIN INSERT INTO conv_log (opportunity_id) VALUES (NEW.id); END;
CREATE TRIGGER conv_opportunity_update AFTER UPDATE ON opportunities
WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.pipeline_id IS NOT NEW.pipeline_id OR OLD.status IS NOT NEW.status
  OR OLD.amount_fen IS NOT NEW.amount_fen OR OLD.loss_reason IS NOT NEW.loss_reason OR OLD.created_at IS NOT NEW.created_at
BEGIN INSERT INTO conv_log (opportunity_id) VALUES (NEW.id); END;
CREATE TRIGGER conv_opportunity_delete AFTER DELETE ON opportunities
BEGIN INSERT INTO conv_log (opportunity_id) VALUES (OLD.id); END;

CREATE TRIGGER conv_history_insert AFTER INSERT ON stage_history
BEGIN INSERT INTO conv_log (opportunity_id) VALUES (NEW.opportunity_id); END;
CREATE TRIGGER conv_history_update AFTER UPDATE ON stage_history
WHEN OLD.opportunity_id IS NOT NEW.opportunity_id OR OLD.to_stage_id IS NOT NEW.to_stage_id OR OLD.at IS NOT NEW.at
BEGIN
    INSERT INTO conv_log (opportunity_id) VALUES (OLD.opportunity_id);
    INSERT INTO conv_log (opportunity_id) VALUES (NEW.opportunity_id);
END;
CREATE TRIGGER conv_history_delete AFTER DELETE ON stage_history
BEGIN INSERT INTO conv_log (opportunity_id) VALUES (OLD.opportunity_id); END;

-- Decision-chain coverage: a decision maker reached in a deal's activities.
CREATE TRIGGER conv_activity_contact_insert AFTER INSERT ON activity_contacts
BEGIN INSERT INTO conv_log (opportunity_id) SELECT opportunity_id FROM activities WHERE id = NEW.activity_id AND opportunity_id IS NOT NULL; END;
CREATE TRIGGER conv_activity_contact_delete AFTER DELETE ON activity_contacts
BEGIN INSERT INTO conv_log (opportunity_id) SELECT opportunity_id FROM activities WHERE id = OLD.activity_id AND opportunity_id IS NOT NULL; END;
CREATE TRIGGER conv_activity_update AFTER UPDATE ON activities
WHEN OLD.opportunity_id IS NOT NEW.opportunity_id
BEGIN
    INSERT INTO conv_log (opportunity_id) SELECT OLD.opportunity_id WHERE OLD.opportunity_id IS NOT NULL;
    INSERT INTO conv_log (opportunity_id) SELECT NEW.opportunity_id WHERE NEW.opportunity_id IS NOT NULL;
END;
CREATE TRIGGER conv_activity_delete AFTER DELETE ON activities
WHEN OLD.opportunity_id IS NOT NULL
BEGIN INSERT INTO conv_log (opportunity_id) VALUES (OLD.opportunity_id); END;
CREATE TRIGGER conv_contact_role AFTER UPDATE ON contacts
WHEN OLD.role IS NOT NEW.role
BEGIN
    INSERT INTO conv_log (opportunity_id) SELECT DISTINCT a.opportunity_id FROM activity_contacts ac
        JOIN activities a ON a.id = ac.activity_id WHERE ac.contact_id = NEW.id AND a.opportunity_id IS NOT NULL;
END;

-- A stage added, removed, moved or turned open/closed changes which stages a
-- deal passed: every deal of the pipeline is folded again.
CREATE TRIGGER conv_stage_insert AFTER INSERT ON stages
BEGIN INSERT INTO conv_log (opportunity_id) SELECT id FROM opportunities WHERE pipeline_id = NEW.pipeline_id; END;
CREATE TRIGGER conv_stage_update AFTER UPDATE ON stages
WHEN OLD.position IS NOT NEW.position OR OLD.kind IS NOT NEW.kind
BEGIN INSERT INTO conv_log (opportunity_id) SELECT id FROM opportunities WHERE pipeline_id = NEW.pipeline_id; END;
CREATE TRIGGER conv_stage_delete AFTER DELETE ON stages
BEGIN INSERT INTO conv_log (opportunity_id) SELECT id FROM opportunities WHERE pipeline_id = OLD.pipeline_id; END;

-- The deals there are already.
INSERT INTO conv_log (opportunity_id) SELECT id FROM opportunities;
