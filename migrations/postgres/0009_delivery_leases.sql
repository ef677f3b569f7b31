-- How many times each delivery was leased. A delivery leased before may have been posted by the
-- scheduler that held it (killed mid-send, or its answer lost), so only then does the next one
-- look for the earlier message before posting; a first lease skips that request.
ALTER TABLE deliveries ADD COLUMN leases INTEGER NOT NULL DEFAULT 0;
-- A pending delivery whose lease was held when this migration ran counts as leased once.
UPDATE deliveries SET leases = 1 WHERE state = 'pending' AND lease_owner IS NOT NULL;
