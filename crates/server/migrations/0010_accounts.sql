-- Accounts and sessions that hold under abuse.
--
-- A login lock: too many failed logins for an account name (`account:<name>`) or from a
-- client address (`address:<ip>`). Counting the failures happens in each process's memory;
-- only the lock is stored, so every process on the store honours it.
CREATE TABLE login_locks (
    subject       TEXT PRIMARY KEY,
    locked_until  BIGINT NOT NULL
);

-- Sessions end after an idle time (a platform setting) as well as at their absolute end;
-- `last_seen_at` is moved forward at most once a minute.
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen_at = created_at;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
ALTER TABLE platform_settings ADD COLUMN session_idle_secs BIGINT NOT NULL DEFAULT 1800;
