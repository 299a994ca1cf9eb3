-- Reveal counts per account and second, for the burst rule (30/min, 300/h by default).
-- The rule used to count the account's `reveal ok` audit rows of the last hour; that scan
-- grows with every reveal, while these rows are at most one per account and second, and
-- rows older than two hours are pruned by the charge writer (a scan of this small table, once
-- a minute; an index on `sec` would tempt the planner away from the primary key when it
-- reads one account's last hour).
CREATE TABLE reveal_rate (
    user_id  BIGINT NOT NULL,
    sec      BIGINT NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (user_id, sec)
);

-- The charge writer asks "which of these orders were already charged today?" for a whole
-- batch at once. Led by the order id, the lookup is one index probe per order, whatever the
-- planner believes about how many charges a shop has on a day (on a fresh day PostgreSQL's
-- estimate is ~1 and it would scan the whole day's charges, comparing each with the list).
CREATE INDEX reveal_charges_order_day ON reveal_charges (order_id, day);
