-- The audit chain is keyed: rows from here on are linked with HMAC-SHA256 under the audit key
-- (held like the master keys, outside the store), so someone who can write the database but
-- lacks the key cannot recompute a chain that still verifies. Rows written before keep their
-- SHA-256 link (`keyed` = 0); a chain continues under the new rule from its first keyed row,
-- and an unkeyed row after a keyed one fails verification.
ALTER TABLE audit ADD COLUMN keyed BIGINT NOT NULL DEFAULT 0;
