-- Factory dropshipping (厂商代发, issue 18). A factory is a tenant of its own (owner role
-- `factory`, staff `factory_staff` with print/ship); a shop binds it (invite → accept), assigns
-- awaiting-shipment orders to it, and may recall them until they ship. Factories never reveal.
ALTER TABLE factories ADD COLUMN suspended BIGINT NOT NULL DEFAULT 0;

CREATE TABLE factory_bindings (
    id          {{ID}},
    shop_id     TEXT NOT NULL REFERENCES shops(shop_id),
    factory_id  TEXT NOT NULL REFERENCES factories(factory_id),
    status      TEXT NOT NULL,            -- invited | active | declined | ended
    invited_by  TEXT NOT NULL,
    invited_at  BIGINT NOT NULL,
    decided_by  TEXT,
    decided_at  BIGINT,
    ended_by    TEXT,
    ended_at    BIGINT
);
-- At most one live (invited or active) binding per shop and factory.
CREATE UNIQUE INDEX factory_bindings_live ON factory_bindings (shop_id, factory_id) WHERE status IN ('invited', 'active');
CREATE INDEX factory_bindings_factory ON factory_bindings (factory_id, status);

CREATE TABLE assignments (
    id           {{ID}},
    order_id     TEXT NOT NULL,
    shop_id      TEXT NOT NULL,
    factory_id   TEXT NOT NULL,
    binding_id   BIGINT NOT NULL REFERENCES factory_bindings(id),
    status       TEXT NOT NULL,           -- assigned | recalled | shipped
    how          TEXT NOT NULL,           -- selection | filter | rule
    assigned_by  TEXT NOT NULL,
    assigned_at  BIGINT NOT NULL,
    ended_by     TEXT,
    ended_at     BIGINT
);
-- An order has at most one live assignment: two staff assigning at once assign it once.
CREATE UNIQUE INDEX assignments_live ON assignments (order_id) WHERE status = 'assigned';
CREATE INDEX assignments_factory ON assignments (factory_id, status, assigned_at);
CREATE INDEX assignments_binding ON assignments (binding_id, status);

-- Product rules: new orders with an item of this SKU are assigned to the factory at ingest.
CREATE TABLE assignment_rules (
    shop_id     TEXT NOT NULL REFERENCES shops(shop_id),
    sku         TEXT NOT NULL,
    factory_id  TEXT NOT NULL REFERENCES factories(factory_id),
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (shop_id, sku)
);

-- Who shipped an order: NULL for the shop itself, else the factory.
ALTER TABLE orders ADD COLUMN shipped_by_factory TEXT;

-- E-waybill accounts and their top-ups belong to a shop or to a factory.
-- postgres: ALTER TABLE waybill_accounts ALTER COLUMN shop_id DROP NOT NULL;
-- postgres: ALTER TABLE waybill_accounts ADD COLUMN factory_id TEXT REFERENCES factories(factory_id);
-- postgres: ALTER TABLE waybill_topups ALTER COLUMN shop_id DROP NOT NULL;
-- postgres: ALTER TABLE waybill_topups ADD COLUMN factory_id TEXT;
-- sqlite: CREATE TABLE waybill_accounts_v16 (id INTEGER PRIMARY KEY AUTOINCREMENT, shop_id TEXT REFERENCES shops(shop_id), factory_id TEXT REFERENCES factories(factory_id), carrier TEXT NOT NULL, outlet TEXT NOT NULL, sender_name TEXT NOT NULL, sender_phone TEXT NOT NULL, sender_address TEXT NOT NULL, status TEXT NOT NULL, balance BIGINT NOT NULL DEFAULT 0, applied_by TEXT NOT NULL, created_at BIGINT NOT NULL, decided_by TEXT, decided_at BIGINT, comment TEXT);
-- sqlite: INSERT INTO waybill_accounts_v16 (id, shop_id, carrier, outlet, sender_name, sender_phone, sender_address, status, balance, applied_by, created_at, decided_by, decided_at, comment) SELECT id, shop_id, carrier, outlet, sender_name, sender_phone, sender_address, status, balance, applied_by, created_at, decided_by, decided_at, comment FROM waybill_accounts;
-- sqlite: DROP TABLE waybill_accounts;
-- sqlite: ALTER TABLE waybill_accounts_v16 RENAME TO waybill_accounts;
-- sqlite: CREATE INDEX waybill_accounts_shop ON waybill_accounts (shop_id, carrier, outlet);
-- sqlite: CREATE TABLE waybill_topups_v16 (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id BIGINT NOT NULL REFERENCES waybill_accounts(id), shop_id TEXT, factory_id TEXT, units BIGINT NOT NULL, note TEXT, status TEXT NOT NULL, requested_by TEXT NOT NULL, requested_at BIGINT NOT NULL, decided_by TEXT, decided_at BIGINT, amount_cents BIGINT, payment_ref TEXT, comment TEXT, balance_after BIGINT);
-- sqlite: INSERT INTO waybill_topups_v16 (id, account_id, shop_id, units, note, status, requested_by, requested_at, decided_by, decided_at, amount_cents, payment_ref, comment, balance_after) SELECT id, account_id, shop_id, units, note, status, requested_by, requested_at, decided_by, decided_at, amount_cents, payment_ref, comment, balance_after FROM waybill_topups;
-- sqlite: DROP TABLE waybill_topups;
-- sqlite: ALTER TABLE waybill_topups_v16 RENAME TO waybill_topups;
-- sqlite: CREATE INDEX waybill_topups_shop ON waybill_topups (shop_id, id);
-- sqlite: CREATE INDEX waybill_topups_status ON waybill_topups (status, id);
CREATE INDEX waybill_accounts_factory ON waybill_accounts (factory_id, carrier, outlet);
CREATE INDEX waybill_topups_factory ON waybill_topups (factory_id, id);
