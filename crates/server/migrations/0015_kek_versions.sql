-- Key rotation: the master key (KEK) versions of the store and their state. Exactly one is
-- `primary` (new data keys are wrapped under it); `active` versions still open data keys;
-- `retired` ones are used by no data key and have left the key file. The ingest writer reads
-- the primary inside its transaction, so no process wraps under a version that is no longer
-- primary once `orderveil keys rotate` has committed.
CREATE TABLE kek_versions (
    version     BIGINT PRIMARY KEY,
    state       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT
);
-- `keys rewrap` walks the data keys of one version in order-id order, `keys status` counts
-- them, `keys retire` checks none is left; shredded orders (no data key) are not indexed.
CREATE INDEX orders_kek_version ON orders (kek_version, order_id) WHERE wrapped_dek IS NOT NULL;
