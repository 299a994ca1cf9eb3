-- OrderVeil schema v1. Written once for both stores; `db::migrate` substitutes
-- {{ID}} (SQLite: INTEGER PRIMARY KEY AUTOINCREMENT, PostgreSQL: BIGSERIAL PRIMARY KEY)
-- and {{BLOB}} (BLOB / BYTEA). Times are unix seconds (BIGINT). No column ever holds
-- plaintext receiver data: only ciphertext, masks, blind-index tokens and the last 4
-- phone digits that the mask shows anyway.

CREATE TABLE shops (
    shop_id     TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    suspended   BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);

CREATE TABLE factories (
    factory_id  TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id            {{ID}},
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    shop_id       TEXT REFERENCES shops(shop_id),
    factory_id    TEXT REFERENCES factories(factory_id),
    permissions   TEXT NOT NULL,
    disabled      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    csrf_token  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE orders (
    order_id        TEXT PRIMARY KEY,
    shop_id         TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    completed_at    BIGINT,
    items           TEXT NOT NULL,
    amount_cents    BIGINT NOT NULL,
    kek_version     BIGINT NOT NULL,
    wrapped_dek     {{BLOB}},
    name_ct         TEXT NOT NULL,
    phone_ct        TEXT NOT NULL,
    address_ct      TEXT NOT NULL,
    name_masked     TEXT NOT NULL,
    phone_masked    TEXT NOT NULL,
    address_masked  TEXT NOT NULL,
    phone_token     TEXT NOT NULL,
    phone_last4     TEXT NOT NULL,
    name_index      TEXT NOT NULL,
    address_index   TEXT NOT NULL,
    receiver_key    TEXT NOT NULL,
    ingested_at     BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX orders_shop_created ON orders (shop_id, created_at, order_id);
CREATE INDEX orders_shop_status_created ON orders (shop_id, status, created_at, order_id);
CREATE INDEX orders_shop_phone ON orders (shop_id, phone_token);
CREATE INDEX orders_shop_last4 ON orders (shop_id, phone_last4);
CREATE INDEX orders_shop_receiver ON orders (shop_id, receiver_key);

-- Per-shop order counts by status, kept by ingest, so the list page never counts 1M rows.
CREATE TABLE shop_order_counts (
    shop_id  TEXT NOT NULL,
    status   TEXT NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (shop_id, status)
);

-- One row per shop and Asia/Shanghai day. The row is the lock every charge takes.
CREATE TABLE quota_days (
    shop_id     TEXT NOT NULL,
    day         TEXT NOT NULL,
    used        BIGINT NOT NULL,
    base        BIGINT NOT NULL,
    orders_30d  BIGINT NOT NULL,
    PRIMARY KEY (shop_id, day)
);

-- The first reveal of an order on a day; its existence makes later reveals that day free.
CREATE TABLE reveal_charges (
    shop_id   TEXT NOT NULL,
    day       TEXT NOT NULL,
    order_id  TEXT NOT NULL,
    grant_id  TEXT NOT NULL,
    user_id   BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (shop_id, day, order_id)
);

-- Approved quota raises (applications arrive with issue 6); day bounds inclusive.
CREATE TABLE quota_extras (
    id          {{ID}},
    shop_id     TEXT NOT NULL,
    per_day     BIGINT NOT NULL,
    start_day   TEXT NOT NULL,
    end_day     TEXT NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX quota_extras_shop ON quota_extras (shop_id, status);

CREATE TABLE risk_cooldowns (
    user_id  BIGINT PRIMARY KEY,
    until    BIGINT NOT NULL,
    reason   TEXT NOT NULL
);

-- Append-only, hash-chained audit trail; one chain per shop plus `platform`.
CREATE TABLE audit (
    id         {{ID}},
    chain      TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    actor_id   BIGINT,
    shop_id    TEXT,
    action     TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    code       TEXT,
    order_ids  TEXT NOT NULL,
    details    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    UNIQUE (chain, seq)
);
CREATE INDEX audit_actor_action_at ON audit (actor_id, action, at);
CREATE INDEX audit_shop_at ON audit (shop_id, at);
CREATE INDEX audit_at ON audit (at);

-- The head of each chain: the last seq and hash, so a deleted tail is detected too.
CREATE TABLE audit_heads (
    chain  TEXT PRIMARY KEY,
    seq    BIGINT NOT NULL,
    hash   TEXT NOT NULL
);
