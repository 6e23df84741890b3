-- Stacked trips: the bundle a job was offered in and accepted with (its jobs share bundle_id;
-- bundle_position is the drop-off order, 0 first). A job taken back to PENDING leaves its
-- bundle (NULL again); a cancelled or delivered one keeps it as history.
ALTER TABLE jobs ADD COLUMN bundle_id text, ADD COLUMN bundle_position int;
CREATE INDEX jobs_by_bundle ON jobs (bundle_id) WHERE bundle_id IS NOT NULL;

-- A bundle is offered as one offer per job, all made in one transaction to one courier and
-- answered together. A courier's pending offers are those of one trip: one head (a single
-- order, or position 0 of a bundle) and at most one offer per later position, made with it.
ALTER TABLE offers ADD COLUMN bundle_id text, ADD COLUMN bundle_position int;
DROP INDEX offers_one_pending_per_courier;
CREATE UNIQUE INDEX offers_one_pending_per_courier ON offers (courier_id)
  WHERE status = 'PENDING' AND coalesce(bundle_position, 0) = 0;
CREATE UNIQUE INDEX offers_one_pending_per_courier_stop ON offers (courier_id, bundle_position)
  WHERE status = 'PENDING' AND bundle_position IS NOT NULL;
CREATE INDEX offers_by_bundle ON offers (bundle_id) WHERE bundle_id IS NOT NULL;
