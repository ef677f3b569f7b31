-- The same schema as migrations/postgres, in SQLite types (timestamps as RFC 3339 text in UTC).
-- Daily nudges: schedules per channel, quiet periods, and one delivery per (schedule, occurrence).
CREATE TABLE schedules (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    platform         TEXT NOT NULL,
    workspace        TEXT NOT NULL,
    channel          TEXT NOT NULL,
    cron             TEXT NOT NULL,
    label            TEXT NOT NULL,
    zone             TEXT NOT NULL,
    mix              TEXT NOT NULL,
    created_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    paused           INTEGER NOT NULL DEFAULT 0,
    paused_until     TEXT,
    -- The next occurrence not yet claimed; NULL once removed.
    next_due         TEXT,
    failure_notified INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    removed_at       TEXT
);
CREATE INDEX schedules_due ON schedules (next_due, id) WHERE next_due IS NOT NULL;
CREATE INDEX schedules_by_channel ON schedules (platform, workspace, channel);

-- Days (in each schedule's own zone) on which a channel gets no nudges.
CREATE TABLE quiet_periods (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    first_day  TEXT NOT NULL,
    last_day   TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX quiet_periods_by_channel ON quiet_periods (platform, workspace, channel);

-- One row per (schedule, occurrence): claimed before sending, so each is sent at most once.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    occurrence  TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'skipped', 'failed')),
    note        TEXT,
    slug        TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until TEXT,
    message_id  TEXT,
    sent_at     TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (schedule_id, occurrence)
);
CREATE INDEX deliveries_pending ON deliveries (lease_until) WHERE state = 'pending';
CREATE INDEX deliveries_by_message ON deliveries (message_id) WHERE message_id IS NOT NULL;

ALTER TABLE reflections ADD COLUMN delivery_id INTEGER REFERENCES deliveries (id) ON DELETE SET NULL;
