-- Tickets their trader has packed (the order service's TicketReady), by ticket id: a job is
-- bundled into a stacked trip only when every ticket of it is here. Kept apart from job_stops
-- because a TicketReady may arrive before the OrderConfirmed that creates the job; purged once
-- older than PASAR_RETENTION_HOURS (store::PurgePackedTickets, run by service::Purger).
CREATE TABLE packed_tickets (
  ticket_id text PRIMARY KEY,
  packed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX packed_tickets_by_time ON packed_tickets (packed_at);
