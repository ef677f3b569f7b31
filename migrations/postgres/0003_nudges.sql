-- Daily nudges: schedules per channel, quiet periods, and one delivery per (schedule, occurrence).
CREATE TABLE schedules (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform         TEXT NOT NULL,
    workspace        TEXT NOT NULL,
    channel          TEXT NOT NULL,
    cron             TEXT NOT NULL,
    label            TEXT NOT NULL,
    zone             TEXT NOT NULL,
    mix              TEXT NOT NULL,
    created_by       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    paused           BOOLEAN NOT NULL DEFAULT FALSE,
    paused_until     TIMESTAMPTZ,
    -- The next occurrence not yet claimed; NULL once removed.
    next_due         TIMESTAMPTZ,
    failure_notified BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       TIMESTAMPTZ NOT NULL,
    removed_at       TIMESTAMPTZ
);
CREATE INDEX schedules_due ON schedules (next_due, id) WHERE next_due IS NOT NULL;
CREATE INDEX schedules_by_channel ON schedules (platform, workspace, channel);

-- Days (in each schedule's own zone) on which a channel gets no nudges.
CREATE TABLE quiet_periods (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    first_day  DATE NOT NULL,
    last_day   DATE NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX quiet_periods_by_channel ON quiet_periods (platform, workspace, channel);

-- One row per (schedule, occurrence): claimed before sending, so each is sent at most once.
CREATE TABLE deliveries (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schedule_id BIGINT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    occurrence  TIMESTAMPTZ NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'skipped', 'failed')),
    note        TEXT,
    slug        TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until TIMESTAMPTZ,
    message_id  TEXT,
    sent_at     TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (schedule_id, occurrence)
);
CREATE INDEX deliveries_pending ON deliveries (lease_until) WHERE state = 'pending';
CREATE INDEX deliveries_by_message ON deliveries (message_id) WHERE message_id IS NOT NULL;

ALTER TABLE reflections ADD COLUMN delivery_id BIGINT REFERENCES deliveries (id) ON DELETE SET NULL;
