-- One live waybill per order, held by the schema on both stores. "Live" is an allocated or
-- printed waybill; cancelling or shipping it clears the flag of its orders. Before this, the
-- check was a plain SELECT in the allocating transaction: under PostgreSQL's READ COMMITTED,
-- two concurrent allocations of one order could both pass it.
ALTER TABLE waybill_orders ADD COLUMN live BIGINT NOT NULL DEFAULT 0;
UPDATE waybill_orders SET live = 1 WHERE waybill_no IN (SELECT waybill_no FROM waybills WHERE status IN ('allocated', 'printed'));
CREATE UNIQUE INDEX waybill_orders_live ON waybill_orders (order_id) WHERE live = 1;
