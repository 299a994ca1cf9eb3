-- The platform's quota and risk rules (issue 6), edited in the admin console. One row
-- (id = 1), inserted at start-up from the command line's values when missing; every server
-- process re-reads it (the reveal settler once per batch, the quota endpoints per request),
-- so a change applies everywhere at once. `version` counts changes (optimistic locking).
CREATE TABLE platform_settings (
    id                  BIGINT PRIMARY KEY,
    quota_rate_bps      BIGINT NOT NULL,
    quota_floor         BIGINT NOT NULL,
    risk_per_minute     BIGINT NOT NULL,
    risk_per_hour       BIGINT NOT NULL,
    risk_cooldown_secs  BIGINT NOT NULL,
    version             BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    updated_by          TEXT NOT NULL
);
