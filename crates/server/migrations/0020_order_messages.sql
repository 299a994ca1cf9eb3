-- Buyer messages (飞鸽-style, issue 19): one thread per order between the buyer (through the
-- platform's order system) and the shop, or the factory the order is assigned to. No phone
-- number or address is ever needed to talk.
CREATE TABLE order_messages (
    id          {{ID}},
    order_id    TEXT NOT NULL,
    shop_id     TEXT NOT NULL REFERENCES shops(shop_id),
    sender      TEXT NOT NULL,              -- buyer | shop | factory
    author      TEXT NOT NULL,              -- 'buyer', or the user name
    factory_id  TEXT,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX order_messages_order ON order_messages (order_id, id);
CREATE INDEX order_messages_shop ON order_messages (shop_id, id);

-- How far each side has read a thread: `buyer`, `shop`, or `factory`.
CREATE TABLE order_message_reads (
    order_id      TEXT NOT NULL,
    side          TEXT NOT NULL,
    last_read_id  BIGINT NOT NULL,
    PRIMARY KEY (order_id, side)
);
