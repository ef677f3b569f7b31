-- The same schema as migrations/postgres, in SQLite's types.

-- How many reflections each person has, kept with the person: saving a reply answers with the
-- journal's size without counting the journal each time.
ALTER TABLE users ADD COLUMN reflection_count INTEGER NOT NULL DEFAULT 0;
UPDATE users SET reflection_count = (SELECT COUNT(*) FROM reflections WHERE reflections.user_id = users.id);
