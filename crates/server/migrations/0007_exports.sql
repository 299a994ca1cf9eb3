-- Order export jobs (issue 7). `filter` is the resolved filter as JSON: status, order id,
-- the last 4 phone digits (which the masked phone shows anyway) and the blind-index tokens
-- of a phone/name/address search, never those search terms themselves. A job's file is
-- re-streamed on each download for 24 hours. `seq` orders jobs created in the same second.
CREATE TABLE exports (
    seq            {{ID}},
    id             TEXT NOT NULL UNIQUE,
    shop_id        TEXT NOT NULL,
    format         TEXT NOT NULL,
    status         TEXT NOT NULL,
    filter         TEXT NOT NULL,
    rows_total     BIGINT NOT NULL,
    rows_done      BIGINT NOT NULL,
    downloads      BIGINT NOT NULL,
    filename       TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_by_id  BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX exports_shop_seq ON exports (shop_id, seq);
