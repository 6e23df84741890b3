-- Stacked trips (README, "Exact matching against nearest first"): the bundle of the courier's
-- trip the order rides in and its place in the drop-off order (0 first), from dispatch's
-- CourierAssigned, kept with the courier record (NULL when the order rides alone or has no
-- courier; cleared with the courier). The customer sees only how many of the trip's other
-- orders are still to be dropped off before theirs (domain/trip.h).
ALTER TABLE orders ADD COLUMN courier_bundle_id text,
  ADD COLUMN courier_bundle_position integer CHECK (courier_bundle_position >= 0);
CREATE INDEX orders_by_courier_bundle ON orders (courier_bundle_id)
  WHERE courier_bundle_id IS NOT NULL;
