-- Housekeeping: rows that are only needed for a while (the snapshots WatchOrder streams, PlaceOrder
-- attempt counters, stored responses of other mutations) are purged in bounded batches once
-- older than the retention (store::PurgeBefore, run by the TicketSweeper).
ALTER TABLE place_attempts ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX place_attempts_by_time ON place_attempts (updated_at);
CREATE INDEX order_snapshots_by_time ON order_snapshots (created_at);
CREATE INDEX idempotency_by_time ON idempotency (created_at);
