-- Stacked trips: a market's bound (minutes after an order's solo delivery; NULL = no stacking),
-- and the bundle a job was offered in (a bundle's jobs share its id; position = drop-off order).
ALTER TABLE market_dispatch ALTER COLUMN policy DROP NOT NULL;
ALTER TABLE market_dispatch
  ADD COLUMN stacking_minutes int CHECK (stacking_minutes BETWEEN 1 AND 60);
