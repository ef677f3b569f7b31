-- The same schema as migrations/postgres, in SQLite's types: timestamps are RFC 3339 text in UTC.

-- Manager check-ins with new leaders. A pair is proposed by the manager and scheduled only once
-- the leader accepts; a leader has at most one pending or active manager per workspace.
CREATE TABLE checkin_pairs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace   TEXT NOT NULL,
    manager_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    leader_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'active', 'declined', 'ended')),
    -- The cadence: a cron pattern and its label, 1 or 2 weeks between check-ins, and the zone
    -- (NULL: the leader's own zone, fixed when they accept).
    cron        TEXT NOT NULL,
    label       TEXT NOT NULL,
    every_weeks INTEGER NOT NULL DEFAULT 1 CHECK (every_weeks IN (1, 2)),
    zone        TEXT,
    schedule_id INTEGER REFERENCES schedules (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    decided_at  TEXT,
    ended_at    TEXT,
    -- When the manager last asked for one-on-one prep: the next agenda starts there.
    prepped_at  TEXT
);
CREATE UNIQUE INDEX checkin_pairs_one_manager ON checkin_pairs (workspace, leader_id)
    WHERE state IN ('pending', 'active');
CREATE INDEX checkin_pairs_by_manager ON checkin_pairs (manager_id);

-- One check-in sent to a leader: the weekly questions it asks, whether it asks for the
-- monthly self-rating, and the follow-ups still due (a reminder, a snoozed re-send, the
-- manager's digest), each claimed once by clearing its time.
CREATE TABLE checkins (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    pair_id        INTEGER REFERENCES checkin_pairs (id) ON DELETE SET NULL,
    leader_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    due_at         TEXT NOT NULL,
    questions      TEXT NOT NULL,
    monthly        BOOLEAN NOT NULL,
    state          TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'answered', 'skipped')),
    remind_at      TEXT,
    reminded_at    TEXT,
    snoozed_until  TEXT,
    answered_at    TEXT,
    digest_due_at  TEXT,
    digest_sent_at TEXT,
    created_at     TEXT NOT NULL,
    UNIQUE (pair_id, due_at)
);
CREATE INDEX checkins_by_leader ON checkins (leader_id, due_at DESC);

-- A leader's answer to one question of a check-in; shared with the manager unless made private.
CREATE TABLE checkin_answers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    checkin_id  INTEGER NOT NULL REFERENCES checkins (id) ON DELETE CASCADE,
    slug        TEXT NOT NULL,
    body        TEXT NOT NULL,
    shared      BOOLEAN NOT NULL DEFAULT 1,
    answered_at TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (checkin_id, slug)
);

-- The monthly 1 to 5 self-rating of one shift.
CREATE TABLE ratings (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    checkin_id INTEGER NOT NULL REFERENCES checkins (id) ON DELETE CASCADE,
    leader_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    shift      TEXT NOT NULL,
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    shared     BOOLEAN NOT NULL DEFAULT 1,
    rated_at   TEXT NOT NULL,
    UNIQUE (checkin_id, shift)
);
CREATE INDEX ratings_by_leader ON ratings (leader_id, rated_at);

-- The decision journal: a decision, its expected outcome and confidence, and its review.
CREATE TABLE decisions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace      TEXT NOT NULL,
    decision       TEXT NOT NULL,
    options        TEXT NOT NULL,
    expected       TEXT NOT NULL,
    confidence     INTEGER NOT NULL CHECK (confidence BETWEEN 50 AND 99),
    review_at      TEXT NOT NULL,
    review_sent_at TEXT,
    outcome        TEXT CHECK (outcome IN ('yes', 'partly', 'no')),
    learned        TEXT,
    reviewed_at    TEXT,
    shared         BOOLEAN NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
);
CREATE INDEX decisions_by_author ON decisions (user_id, created_at DESC);
CREATE INDEX decisions_due ON decisions (review_at) WHERE review_sent_at IS NULL;
