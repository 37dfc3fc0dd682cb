-- +goose Up
-- Support requests (SPEC §6, seed 002): a rep asks a presales or customer
-- success user (users.role presales / customer_success) for help on a deal;
-- the helper answers within 24 hours; a refusal waits for the sales
-- director; afterwards each side rates the other.
CREATE TABLE support_requests (
    id               TEXT PRIMARY KEY,
    opportunity_id   TEXT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    requester_id     TEXT NOT NULL REFERENCES users(id),
    helper_id        TEXT NOT NULL REFERENCES users(id),
    -- the helper's role when asked: presales or customer_success
    helper_role      TEXT NOT NULL,
    kind             TEXT NOT NULL,
    needed_by        BIGINT NOT NULL,
    expected_output  TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    -- what made the deal eligible, kept for audit
    stage_key        TEXT NOT NULL,
    health_tenths    INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('requested', 'refusal_pending', 'accepted', 'refused', 'completed', 'cancelled')),
    respond_by       BIGINT NOT NULL,
    responded_at     BIGINT,
    responded_by     TEXT NOT NULL DEFAULT '',
    refusal_reason   TEXT NOT NULL DEFAULT '',
    -- the sales director who decides a refusal; '' means any admin
    approver_id      TEXT NOT NULL DEFAULT '',
    decided_by       TEXT NOT NULL DEFAULT '',
    decided_at       BIGINT,
    decision_comment TEXT NOT NULL DEFAULT '',
    completed_at     BIGINT,
    completed_by     TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX support_requests_requester ON support_requests(requester_id, status);
CREATE INDEX support_requests_helper ON support_requests(helper_id, status);
CREATE INDEX support_requests_approver ON support_requests(approver_id, status);
CREATE INDEX support_requests_opportunity ON support_requests(opportunity_id);
CREATE INDEX support_requests_due ON support_requests(status, respond_by);

-- One rating per side of a request: the requester rates the helper (side
-- 'helper'), the helper rates the requester (side 'requester'). The rated
-- person's team at that moment is kept: flags are about teams, and people
-- move between teams.
CREATE TABLE support_ratings (
    id            TEXT PRIMARY KEY,
    request_id    TEXT NOT NULL REFERENCES support_requests(id) ON DELETE CASCADE,
    side          TEXT NOT NULL CHECK (side IN ('helper', 'requester')),
    rater_id      TEXT NOT NULL REFERENCES users(id),
    ratee_id      TEXT NOT NULL REFERENCES users(id),
    ratee_team_id TEXT NOT NULL DEFAULT '',
    score         INTEGER NOT NULL CHECK (score BETWEEN 1 AND 10),
    comment       TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX support_ratings_side ON support_ratings(request_id, side);
CREATE INDEX support_ratings_team ON support_ratings(ratee_team_id, created_at, id);

-- A team whose latest two ratings are both under 8 (需整改). The row goes
-- when a rating of 8 or more arrives.
CREATE TABLE support_team_flags (
    team_id    TEXT PRIMARY KEY REFERENCES teams(id) ON DELETE CASCADE,
    since      BIGINT NOT NULL,
    -- the ratings that raised it, newest first (JSON: [{"request_id", "score"}])
    evidence   TEXT NOT NULL DEFAULT '[]'
);

-- +goose Down
DROP TABLE support_team_flags;
DROP TABLE support_ratings;
DROP TABLE support_requests;
