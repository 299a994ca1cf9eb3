-- Virtual numbers (隐私号, issue 19): the platform's pool of numbers with extensions, each
-- bound to at most one order's receiver at a time, until some days after the order completes.
-- A telephony partner resolves a binding to the real number (decrypted on request, never
-- stored); the pool row points at its live binding.
CREATE TABLE virtual_numbers (
    id          {{ID}},
    number      TEXT NOT NULL,
    extension   TEXT NOT NULL,              -- '' for a number without extensions
    binding_id  BIGINT,                     -- the live binding, NULL while free
    added_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX virtual_numbers_entry ON virtual_numbers (number, extension);
CREATE INDEX virtual_numbers_free ON virtual_numbers (binding_id, id);

CREATE TABLE virtual_number_bindings (
    id            {{ID}},
    pool_id       BIGINT NOT NULL REFERENCES virtual_numbers(id),
    number        TEXT NOT NULL,
    extension     TEXT NOT NULL,
    order_id      TEXT NOT NULL,
    shop_id       TEXT NOT NULL REFERENCES shops(shop_id),
    factory_id    TEXT,                     -- set when the order's factory asked for it
    requested_by  TEXT NOT NULL,
    valid_from    BIGINT NOT NULL,
    valid_to      BIGINT,                   -- NULL until the order completes
    released_at   BIGINT
);
-- One live binding per order.
CREATE UNIQUE INDEX virtual_number_bindings_live ON virtual_number_bindings (order_id) WHERE released_at IS NULL;
CREATE INDEX virtual_number_bindings_number ON virtual_number_bindings (number, extension, released_at);

-- Days a binding lasts after its order completes.
ALTER TABLE platform_settings ADD COLUMN virtual_number_days BIGINT NOT NULL DEFAULT 15;
