-- Transparency (issue 20). Every time an order's receiver data leaves the store — a reveal, a
-- label print, an SMS, a virtual-number binding, a search that matched it — one receipt row
-- per order, written in the same transaction as the audit row it points at (chain, seq). A
-- receipt holds no receiver data, so it outlives the order's crypto-shredding.
CREATE TABLE disclosures (
    id           {{ID}},
    order_id     TEXT NOT NULL,
    shop_id      TEXT NOT NULL,
    at           BIGINT NOT NULL,
    day          TEXT NOT NULL,             -- Asia/Shanghai, YYYY-MM-DD
    path         TEXT NOT NULL,             -- reveal | print | sms | virtual_number | search_match
    fields       TEXT NOT NULL,             -- comma-separated: name,phone,address
    actor_kind   TEXT NOT NULL,             -- shop | staff | factory | app | factory_app
    actor_key    TEXT NOT NULL,             -- user:<id> | app:<id> (the platform's rules only)
    app_name     TEXT,
    factory_id   TEXT,
    purpose      TEXT,
    audit_chain  TEXT NOT NULL,
    audit_seq    BIGINT NOT NULL
);
CREATE INDEX disclosures_order ON disclosures (order_id, at, id);
CREATE INDEX disclosures_shop_day ON disclosures (shop_id, day, path);
CREATE INDEX disclosures_day ON disclosures (day, path);

-- Per shop and day (Asia/Shanghai): what the dashboard draws, kept up by the same writes.
CREATE TABLE exposure_daily (
    shop_id          TEXT NOT NULL,
    day              TEXT NOT NULL,
    orders           BIGINT NOT NULL DEFAULT 0,
    reveals          BIGINT NOT NULL DEFAULT 0,
    prints           BIGINT NOT NULL DEFAULT 0,
    search_units     BIGINT NOT NULL DEFAULT 0,
    search_matches   BIGINT NOT NULL DEFAULT 0,
    sms              BIGINT NOT NULL DEFAULT 0,
    virtual_numbers  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (shop_id, day)
);
CREATE INDEX exposure_daily_day ON exposure_daily (day, shop_id);

-- The dashboard's default period is the last 30 days: its 29 closed days are summed per shop
-- once (a day's first read, and each scan), so a page adds only today's row to each shop's
-- sums instead of summing 30 rows of every shop. `to_day` is the day the sums end before.
CREATE TABLE exposure_period (
    shop_id          TEXT PRIMARY KEY,
    orders           BIGINT NOT NULL,
    reveals          BIGINT NOT NULL,
    prints           BIGINT NOT NULL,
    search_units     BIGINT NOT NULL,
    search_matches   BIGINT NOT NULL,
    sms              BIGINT NOT NULL,
    virtual_numbers  BIGINT NOT NULL
);
CREATE TABLE exposure_period_meta (
    id      BIGINT PRIMARY KEY,
    to_day  TEXT NOT NULL
);

-- Anomalies the rules found: one per shop, day and rule; the admin decides each once.
CREATE TABLE exposure_flags (
    id          {{ID}},
    shop_id     TEXT NOT NULL,
    day         TEXT NOT NULL,
    rule        TEXT NOT NULL,
    measured    BIGINT NOT NULL,
    threshold   BIGINT NOT NULL,
    details     TEXT NOT NULL,
    raised_at   BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open',   -- open | acknowledged | suspended
    decided_by  TEXT,
    decided_at  BIGINT,
    comment     TEXT,
    UNIQUE (shop_id, day, rule)
);
CREATE INDEX exposure_flags_status ON exposure_flags (status, day);

-- The rules' thresholds, a part of the platform settings (JSON of `ExposureRules`).
CREATE TABLE exposure_rules (
    id          BIGINT PRIMARY KEY,
    rules       TEXT NOT NULL,
    version     BIGINT NOT NULL,
    updated_at  BIGINT,
    updated_by  TEXT
);
