ALTER TABLE items ADD COLUMN price_idr bigint NOT NULL DEFAULT 0;
-- Slow enough that concurrent migrators really overlap.
SELECT pg_sleep(0.2);
