-- +goose Up
-- Where notifications go. A channel belongs to a user (their e-mail, their
-- robot), to a team (the team's group robot), or to neither: a company-wide
-- channel, such as an outbound event webhook an admin sets up.
-- secret holds the DingTalk/Feishu signing secret or the generic webhook's
-- HMAC key in plain text: the sender needs it as is, and a database copy
-- therefore exposes it (encrypting it at rest is an open item).
CREATE TABLE channels (
    id         TEXT PRIMARY KEY,
    user_id    TEXT REFERENCES users(id) ON DELETE CASCADE,
    team_id    TEXT REFERENCES teams(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('email', 'wecom', 'dingtalk', 'feishu', 'webhook')),
    name       TEXT NOT NULL DEFAULT '',
    -- address is the e-mail address or the webhook URL.
    address    TEXT NOT NULL,
    secret     TEXT NOT NULL DEFAULT '',
    -- events lists the outbound event types a company channel wants,
    -- comma-separated ('' = none; '*' = all).
    events     TEXT NOT NULL DEFAULT '',
    active     INTEGER NOT NULL DEFAULT 1,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (user_id IS NULL OR team_id IS NULL)
);
CREATE INDEX channels_user ON channels(user_id);
CREATE INDEX channels_team ON channels(team_id);

-- The outbox: one row per message and destination, written in the same
-- transaction as the change that causes it, so a change is never committed
-- without its notification nor a notification sent for a rolled-back change.
-- A delivery worker claims due rows, sends, and records the outcome. Claiming
-- sets status 'sending' and pushes next_attempt_at to the end of a lease, so
-- a row whose worker died is due again once the lease runs out: one index
-- (status, next_attempt_at) finds both kinds of due rows.
CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    -- channel_id is NULL for the fallback to a user's account e-mail.
    channel_id      TEXT REFERENCES channels(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    address         TEXT NOT NULL,
    -- dest + dedupe_key is unique: enqueueing the same fact twice (a rule
    -- re-run, a second copy of serve) queues it once.
    dest            TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL,
    event           TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    data            TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_attempt_at BIGINT,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX notifications_dedupe ON notifications(dest, dedupe_key);
CREATE INDEX notifications_due ON notifications(status, next_attempt_at);

-- +goose Down
DROP TABLE notifications;
DROP TABLE channels;
