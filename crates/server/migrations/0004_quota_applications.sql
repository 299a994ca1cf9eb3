-- Quota raise applications (issue 6). A shop applies for extra reveals per day; the platform
-- approves (which inserts the matching `quota_extras` row) or rejects; the shop may withdraw
-- while pending. Days are Asia/Shanghai `YYYY-MM-DD`, bounds inclusive; a long-term
-- application has no end day (its extra ends on 9999-12-31).
CREATE TABLE quota_applications (
    id             {{ID}},
    shop_id        TEXT NOT NULL REFERENCES shops(shop_id),
    per_day        BIGINT NOT NULL,
    reason         TEXT NOT NULL,
    description    TEXT NOT NULL,
    start_day      TEXT NOT NULL,
    end_day        TEXT,
    long_term      BIGINT NOT NULL DEFAULT 0,
    status         TEXT NOT NULL,           -- pending | approved | rejected | withdrawn
    applied_by     TEXT NOT NULL,
    applied_by_id  BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    decided_by     TEXT,
    decided_at     BIGINT,
    comment        TEXT
);
CREATE INDEX quota_applications_shop ON quota_applications (shop_id, id);
CREATE INDEX quota_applications_status ON quota_applications (status, id);

ALTER TABLE quota_extras ADD COLUMN application_id BIGINT;
