-- E-waybill accounts, waybills and their orders (issue 7). A shop applies for an account per
-- carrier and outlet; the platform approves; the balance counts waybills left to allocate
-- and never goes below zero (one conditional UPDATE per allocation). The sender fields are
-- the shop's own return address, printed on labels: no buyer data is stored here.
CREATE TABLE waybill_accounts (
    id              {{ID}},
    shop_id         TEXT NOT NULL REFERENCES shops(shop_id),
    carrier         TEXT NOT NULL,
    outlet          TEXT NOT NULL,
    sender_name     TEXT NOT NULL,
    sender_phone    TEXT NOT NULL,
    sender_address  TEXT NOT NULL,
    status          TEXT NOT NULL,           -- pending | approved | rejected
    balance         BIGINT NOT NULL DEFAULT 0,
    applied_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    decided_by      TEXT,
    decided_at      BIGINT,
    comment         TEXT
);
CREATE INDEX waybill_accounts_shop ON waybill_accounts (shop_id, carrier, outlet);

-- A waybill ships one order, or several with the same receiver_key (a merged shipment).
CREATE TABLE waybills (
    waybill_no    TEXT PRIMARY KEY,
    account_id    BIGINT NOT NULL REFERENCES waybill_accounts(id),
    shop_id       TEXT NOT NULL,
    carrier       TEXT NOT NULL,
    receiver_key  TEXT NOT NULL,
    status        TEXT NOT NULL,             -- allocated | printed | shipped | cancelled
    print_count   BIGINT NOT NULL DEFAULT 0,
    allocated_by  TEXT NOT NULL,
    allocated_at  BIGINT NOT NULL,
    printed_at    BIGINT,
    shipped_at    BIGINT,
    cancelled_at  BIGINT
);
CREATE INDEX waybills_shop ON waybills (shop_id, allocated_at);

CREATE TABLE waybill_orders (
    waybill_no  TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    PRIMARY KEY (waybill_no, order_id)
);
CREATE INDEX waybill_orders_order ON waybill_orders (order_id);
