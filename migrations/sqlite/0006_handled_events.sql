-- The same schema as migrations/postgres, in SQLite's types: timestamps are RFC 3339 text in UTC.

-- Events from the chat platforms, claimed by their platform id before any effect, so a
-- redelivered event (Slack's retries, an envelope sent again) or one seen by several
-- replicas is handled once. Rows are kept for a day, longer than any redelivery window.
CREATE TABLE handled_events (
    platform    TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (platform, event_id)
);
CREATE INDEX handled_events_by_age ON handled_events (received_at);
