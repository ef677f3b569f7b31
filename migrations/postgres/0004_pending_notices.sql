-- Notices that could not be delivered as direct messages (the person does not accept them):
-- shown privately with that person's next command instead.
CREATE TABLE pending_notices (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX pending_notices_by_user ON pending_notices (user_id);
