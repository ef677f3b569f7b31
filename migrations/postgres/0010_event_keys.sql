-- The platform event a reflection or decision came from (`discord:message:123`), when it came
-- as one. Each event is stored once however many times it is handled: a replica that kept it
-- through a database outage and stores it later finds it already stored by the replica that
-- reached the database at the time.
ALTER TABLE reflections ADD COLUMN event TEXT;
CREATE UNIQUE INDEX reflections_by_event ON reflections (event) WHERE event IS NOT NULL;
ALTER TABLE decisions ADD COLUMN event TEXT;
CREATE UNIQUE INDEX decisions_by_event ON decisions (event) WHERE event IS NOT NULL;
