-- Issue 14: the quota holds against every side door.
--
-- Risk counting by subject instead of by user id. A subject is an account (`user:<id>`,
-- `app:<app_id>@<shop>` — per app and shop, so re-authorizing an app starts no fresh
-- count), a whole shop (`shop:<id>`), or an account's receiver searches
-- (`search:user:<id>`, `search:app:<app_id>@<shop>`). The counts are ORDERS per second
-- (a 50-order grant adds 50; free repeats and prints count too) or search TERMS per second.
-- Replaces `risk_cooldowns` (keyed by user id) and `reveal_rate` (requests per second).
CREATE TABLE risk_subjects (
    subject  TEXT PRIMARY KEY,
    until    BIGINT NOT NULL,
    reason   TEXT NOT NULL
);
CREATE TABLE risk_counts (
    subject  TEXT NOT NULL,
    sec      BIGINT NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (subject, sec)
);
DROP TABLE reveal_rate;
DROP TABLE risk_cooldowns;

-- A shop's receiver searches per Asia/Shanghai day (terms, not requests), against its daily
-- search budget. `refused` > 0 marks that the budget ran out that day (that first refusal is
-- audited; later ones are answered from reads alone).
CREATE TABLE search_days (
    shop_id  TEXT NOT NULL,
    day      TEXT NOT NULL,
    used     BIGINT NOT NULL,
    refused  BIGINT NOT NULL,
    PRIMARY KEY (shop_id, day)
);

-- New platform rules. The per-account thresholds now count orders, not requests: a store
-- still at the old request defaults (30 a minute, 300 an hour) moves to the new order
-- defaults; values an admin chose are kept.
ALTER TABLE platform_settings ADD COLUMN shop_risk_per_minute BIGINT NOT NULL DEFAULT 300;
ALTER TABLE platform_settings ADD COLUMN shop_risk_per_hour BIGINT NOT NULL DEFAULT 3000;
ALTER TABLE platform_settings ADD COLUMN search_per_minute BIGINT NOT NULL DEFAULT 20;
ALTER TABLE platform_settings ADD COLUMN search_budget_floor BIGINT NOT NULL DEFAULT 200;
ALTER TABLE platform_settings ADD COLUMN search_budget_factor BIGINT NOT NULL DEFAULT 4;
UPDATE platform_settings SET risk_per_minute = 120, risk_per_hour = 1000 WHERE risk_per_minute = 30 AND risk_per_hour = 300;

-- The purposes an app may reveal for (comma-separated names). Authorizations made before
-- purposes existed keep what they could do: every purpose.
ALTER TABLE isv_authorizations ADD COLUMN purposes TEXT NOT NULL DEFAULT '';
UPDATE isv_authorizations SET purposes = 'manual_shipping,after_sales,customer_service,installation_delivery,virtual_goods,dropshipping,other' WHERE scopes LIKE '%reveal%';

-- Waybill balance is bought: an owner asks, the platform confirms the payment (amount and
-- reference), and only that confirmation raises the balance.
CREATE TABLE waybill_topups (
    id            {{ID}},
    account_id    BIGINT NOT NULL REFERENCES waybill_accounts(id),
    shop_id       TEXT NOT NULL,
    units         BIGINT NOT NULL,
    note          TEXT,
    status        TEXT NOT NULL,            -- pending | confirmed | rejected
    requested_by  TEXT NOT NULL,
    requested_at  BIGINT NOT NULL,
    decided_by    TEXT,
    decided_at    BIGINT,
    amount_cents  BIGINT,
    payment_ref   TEXT,
    comment       TEXT,
    balance_after BIGINT
);
CREATE INDEX waybill_topups_shop ON waybill_topups (shop_id, id);
CREATE INDEX waybill_topups_status ON waybill_topups (status, id);
