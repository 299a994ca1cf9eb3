-- Shipping without plaintext (issue 7): the carrier and tracking number an order shipped
-- with (entered by hand, uploaded, or the e-waybill it was printed with).
ALTER TABLE orders ADD COLUMN carrier TEXT;
ALTER TABLE orders ADD COLUMN tracking_no TEXT;
ALTER TABLE orders ADD COLUMN shipped_at BIGINT;
