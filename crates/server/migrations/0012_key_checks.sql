-- One key source for every process on a store: a check value per key (`kek:<version>`,
-- `index`), HMAC-SHA256(key, "orderveil key check v1") in hex, never the key. A process whose
-- keys do not match refuses to start.
CREATE TABLE key_checks (
    name         TEXT PRIMARY KEY,
    check_value  TEXT NOT NULL,
    recorded_at  BIGINT NOT NULL
);
