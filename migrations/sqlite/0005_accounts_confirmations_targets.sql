-- Discord user ids are global: a person is one account in every server and in direct
-- messages. Rows stored per server (or under 'dm') are merged into one row per Discord user,
-- stored with an empty workspace, and everything that pointed at them follows.
INSERT INTO users (platform, workspace, external_id, display_name, zone, created_at, updated_at)
SELECT 'discord', '', u.external_id,
       (SELECT v.display_name FROM users v
         WHERE v.platform = 'discord' AND v.external_id = u.external_id
         ORDER BY v.updated_at DESC, v.id DESC LIMIT 1),
       (SELECT v.zone FROM users v
         WHERE v.platform = 'discord' AND v.external_id = u.external_id AND v.zone IS NOT NULL
         ORDER BY v.updated_at DESC, v.id DESC LIMIT 1),
       MIN(u.created_at), MAX(u.updated_at)
  FROM users u
 WHERE u.platform = 'discord' AND u.workspace <> ''
 GROUP BY u.external_id
ON CONFLICT (platform, workspace, external_id) DO NOTHING;

CREATE TABLE discord_user_merge AS
SELECT o.id AS old_id, n.id AS new_id
  FROM users o
  JOIN users n ON n.platform = 'discord' AND n.workspace = '' AND n.external_id = o.external_id
 WHERE o.platform = 'discord' AND o.workspace <> '';

UPDATE reflections SET user_id = (SELECT m.new_id FROM discord_user_merge m WHERE m.old_id = reflections.user_id)
 WHERE user_id IN (SELECT old_id FROM discord_user_merge);
UPDATE pending_notices SET user_id = (SELECT m.new_id FROM discord_user_merge m WHERE m.old_id = pending_notices.user_id)
 WHERE user_id IN (SELECT old_id FROM discord_user_merge);
UPDATE schedules SET created_by = (SELECT m.new_id FROM discord_user_merge m WHERE m.old_id = schedules.created_by)
 WHERE created_by IN (SELECT old_id FROM discord_user_merge);
INSERT INTO content_views (user_id, slug, first_seen, last_seen, times)
SELECT m.new_id, cv.slug, MIN(cv.first_seen), MAX(cv.last_seen), SUM(cv.times)
  FROM content_views cv JOIN discord_user_merge m ON m.old_id = cv.user_id
 WHERE true
 GROUP BY m.new_id, cv.slug
ON CONFLICT (user_id, slug) DO UPDATE
   SET first_seen = CASE WHEN excluded.first_seen < content_views.first_seen THEN excluded.first_seen ELSE content_views.first_seen END,
       last_seen = CASE WHEN excluded.last_seen > content_views.last_seen THEN excluded.last_seen ELSE content_views.last_seen END,
       times = content_views.times + excluded.times;
DELETE FROM users WHERE id IN (SELECT old_id FROM discord_user_merge);
DROP TABLE discord_user_merge;

-- Single-use confirmations (such as "delete all my data"): a choice counts once, only while
-- it is the person's latest open confirmation of its purpose and before it expires.
CREATE TABLE confirmations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'declined', 'superseded')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX confirmations_by_user ON confirmations (user_id, purpose);

-- A schedule has a purpose (channel nudges today; check-ins, reminders and decision reviews
-- next) and targets a channel or, with target_user set, one person in their direct messages.
ALTER TABLE schedules ADD COLUMN purpose TEXT NOT NULL DEFAULT 'nudge'
    CHECK (purpose IN ('nudge', 'checkin', 'reminder', 'review'));
ALTER TABLE schedules ADD COLUMN target_user INTEGER REFERENCES users (id) ON DELETE CASCADE;
