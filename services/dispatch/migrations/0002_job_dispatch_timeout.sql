-- The dispatch window of a job, kept so a job that goes back to matching because its courier
-- was released gets a fresh one (dispatch_deadline = now() + dispatch_timeout_seconds) instead
-- of failing at once when the first deadline has passed meanwhile. Jobs created before this
-- column existed take the window they were given.
ALTER TABLE jobs ADD COLUMN dispatch_timeout_seconds int;
UPDATE jobs SET dispatch_timeout_seconds =
  least(greatest(1, ceil(extract(epoch from dispatch_deadline - created_at))), 86400)::int;
ALTER TABLE jobs ALTER COLUMN dispatch_timeout_seconds SET NOT NULL;
ALTER TABLE jobs ADD CONSTRAINT jobs_dispatch_timeout_positive
  CHECK (dispatch_timeout_seconds > 0);
