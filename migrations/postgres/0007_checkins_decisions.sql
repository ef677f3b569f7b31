-- Manager check-ins with new leaders. A pair is proposed by the manager and scheduled only once
-- the leader accepts; a leader has at most one pending or active manager per workspace.
CREATE TABLE checkin_pairs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace   TEXT NOT NULL,
    manager_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    leader_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'active', 'declined', 'ended')),
    -- The cadence: a cron pattern and its label, 1 or 2 weeks between check-ins, and the zone
    -- (NULL: the leader's own zone, fixed when they accept).
    cron        TEXT NOT NULL,
    label       TEXT NOT NULL,
    every_weeks INTEGER NOT NULL DEFAULT 1 CHECK (every_weeks IN (1, 2)),
    zone        TEXT,
    schedule_id BIGINT REFERENCES schedules (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    decided_at  TIMESTAMPTZ,
    ended_at    TIMESTAMPTZ,
    -- When the manager last asked for one-on-one prep: the next agenda starts there.
    prepped_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX checkin_pairs_one_manager ON checkin_pairs (workspace, leader_id)
    WHERE state IN ('pending', 'active');
CREATE INDEX checkin_pairs_by_manager ON checkin_pairs (manager_id);

-- One check-in sent to a leader: the weekly questions it asks, whether it asks for the
-- monthly self-rating, and the follow-ups still due (a reminder, a snoozed re-send, the
-- manager's digest), each claimed once by clearing its time.
CREATE TABLE checkins (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pair_id        BIGINT REFERENCES checkin_pairs (id) ON DELETE SET NULL,
    leader_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    due_at         TIMESTAMPTZ NOT NULL,
    questions      TEXT NOT NULL,
    monthly        BOOLEAN NOT NULL,
    state          TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'answered', 'skipped')),
    remind_at      TIMESTAMPTZ,
    reminded_at    TIMESTAMPTZ,
    snoozed_until  TIMESTAMPTZ,
    answered_at    TIMESTAMPTZ,
    digest_due_at  TIMESTAMPTZ,
    digest_sent_at TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (pair_id, due_at)
);
CREATE INDEX checkins_by_leader ON checkins (leader_id, due_at DESC);

-- A leader's answer to one question of a check-in; shared with the manager unless made private.
CREATE TABLE checkin_answers (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    checkin_id  BIGINT NOT NULL REFERENCES checkins (id) ON DELETE CASCADE,
    slug        TEXT NOT NULL,
    body        TEXT NOT NULL,
    shared      BOOLEAN NOT NULL DEFAULT TRUE,
    answered_at TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (checkin_id, slug)
);

-- The monthly 1 to 5 self-rating of one shift.
CREATE TABLE ratings (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    checkin_id BIGINT NOT NULL REFERENCES checkins (id) ON DELETE CASCADE,
    leader_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    shift      TEXT NOT NULL,
    rating     INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    shared     BOOLEAN NOT NULL DEFAULT TRUE,
    rated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (checkin_id, shift)
);
CREATE INDEX ratings_by_leader ON ratings (leader_id, rated_at);

-- The decision journal: a decision, its expected outcome and confidence, and its review.
CREATE TABLE decisions (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace      TEXT NOT NULL,
    decision       TEXT NOT NULL,
    options        TEXT NOT NULL,
    expected       TEXT NOT NULL,
    confidence     INTEGER NOT NULL CHECK (confidence BETWEEN 50 AND 99),
    review_at      TIMESTAMPTZ NOT NULL,
    review_sent_at TIMESTAMPTZ,
    outcome        TEXT CHECK (outcome IN ('yes', 'partly', 'no')),
    learned        TEXT,
    reviewed_at    TIMESTAMPTZ,
    shared         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX decisions_by_author ON decisions (user_id, created_at DESC);
CREATE INDEX decisions_due ON decisions (review_at) WHERE review_sent_at IS NULL;
