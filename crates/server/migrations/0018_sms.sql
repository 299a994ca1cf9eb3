-- Platform SMS (issue 19): templates a shop submits and the platform approves, and the
-- outbox of messages to orders' receivers. The outbox never holds a plaintext number: it keeps
-- the order, the phone field's ciphertext and its mask; the worker decrypts just before it
-- hands a message to the gateway.
CREATE TABLE sms_templates (
    id           {{ID}},
    shop_id      TEXT NOT NULL REFERENCES shops(shop_id),
    name         TEXT NOT NULL,
    version      BIGINT NOT NULL,            -- 1, 2, … per (shop, name)
    kind         TEXT NOT NULL,              -- logistics | after_sales | care | marketing
    body         TEXT NOT NULL,
    status       TEXT NOT NULL,              -- pending | approved | rejected | withdrawn | superseded
    submitted_by TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    decided_by   TEXT,
    decided_at   BIGINT,
    comment      TEXT
);
CREATE UNIQUE INDEX sms_templates_version ON sms_templates (shop_id, name, version);
CREATE INDEX sms_templates_status ON sms_templates (status, id);

CREATE TABLE sms_outbox (
    id              {{ID}},
    shop_id         TEXT NOT NULL REFERENCES shops(shop_id),
    order_id        TEXT NOT NULL,
    template_id     BIGINT NOT NULL REFERENCES sms_templates(id),
    kind            TEXT NOT NULL,
    body            TEXT NOT NULL,           -- the filled text: no receiver data in it
    phone_ct        TEXT NOT NULL,           -- the order's phone ciphertext at enqueue time
    phone_masked    TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL,           -- queued | sending | sent | failed | gave_up
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    last_error      TEXT,
    provider_id     TEXT,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    day             TEXT NOT NULL,           -- Asia/Shanghai YYYY-MM-DD of created_at (the daily limits)
    sent_at         BIGINT
);
CREATE INDEX sms_outbox_due ON sms_outbox (status, next_attempt_at);
CREATE INDEX sms_outbox_shop ON sms_outbox (shop_id, id);
CREATE INDEX sms_outbox_shop_day ON sms_outbox (shop_id, day);
CREATE INDEX sms_outbox_order_day ON sms_outbox (order_id, day);

-- The daily limits: messages per order and per shop (Asia/Shanghai days).
ALTER TABLE platform_settings ADD COLUMN sms_per_order_day BIGINT NOT NULL DEFAULT 3;
ALTER TABLE platform_settings ADD COLUMN sms_per_shop_day BIGINT NOT NULL DEFAULT 2000;
