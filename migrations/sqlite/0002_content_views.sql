-- Which catalog items each person has been shown, so lookups can offer something new.
CREATE TABLE content_views (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    slug       TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    times      INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (user_id, slug)
);
