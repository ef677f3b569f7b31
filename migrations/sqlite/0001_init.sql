-- The same schema as migrations/postgres, in SQLite's types: timestamps are RFC 3339 text in UTC.

-- People, as each chat platform identifies them.
CREATE TABLE users (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    platform     TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    display_name TEXT NOT NULL,
    zone         TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (platform, workspace, external_id)
);

-- What people wrote to reflect; private to the author unless they share it.
CREATE TABLE reflections (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel    TEXT NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('command', 'form', 'reply')),
    slug       TEXT,
    visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'shared')),
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX reflections_by_author ON reflections (user_id, created_at DESC, id DESC);

-- Small named values the service keeps between runs (for example the console's clock).
CREATE TABLE app_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
