-- Retention: orders completed or cancelled longer ago than this many days lose their wrapped
-- data key (crypto-shredding); the masks stay. A platform setting, default 90 days.
ALTER TABLE platform_settings ADD COLUMN retention_days BIGINT NOT NULL DEFAULT 90;
CREATE INDEX orders_retention ON orders (status, updated_at);
