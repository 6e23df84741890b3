-- What the growth step reports and checks (scripts/bench), as one JSON line: the rows of the
-- tables that grow for good, and for each table that must stay bounded its rows, its retention
-- and the rows older than it (zero once the purges ran). psql variables: retention_hours
-- (PASAR_RETENTION_HOURS), outbox_hours (--outbox-retention-hours), consumed_hours
-- (events::ConsumerConfig::purge_after), grace_minutes (rows older than the retention plus
-- this count as past it: rows keep crossing the retention between two purges).
--   outbox             events::Relay (sent rows)
--   consumed_events    events::Consumer
--   idempotency etc.   service::Purger of each service (order: its TicketSweeper)
\set ON_ERROR_STOP on
SELECT json_build_object(
  'kept', (SELECT json_object_agg(t, n) FROM (
    SELECT 'orders.orders' AS t, count(*) AS n FROM orders.orders
    UNION ALL SELECT 'orders.tickets', count(*) FROM orders.tickets
    UNION ALL SELECT 'orders.ticket_lines', count(*) FROM orders.ticket_lines
    UNION ALL SELECT 'orders.ledger_entries', count(*) FROM orders.ledger_entries
    UNION ALL SELECT 'inventory.products', count(*) FROM inventory.products
    UNION ALL SELECT 'inventory.reservations', count(*) FROM inventory.reservations
    UNION ALL SELECT 'inventory.reservation_lines', count(*) FROM inventory.reservation_lines
    UNION ALL SELECT 'inventory.stock_ledger', count(*) FROM inventory.stock_ledger
    UNION ALL SELECT 'dispatch.jobs', count(*) FROM dispatch.jobs
    UNION ALL SELECT 'dispatch.job_stops', count(*) FROM dispatch.job_stops) k),
  'bounded', (SELECT json_agg(json_build_object('table', t, 'retention_hours', h, 'rows', n,
                                                'past_retention', old) ORDER BY o)
  FROM (
    SELECT 1 AS o, 'orders.outbox' AS t, :outbox_hours AS h, count(*) AS n,
      count(*) FILTER (WHERE sent_at < now() - make_interval(hours => :outbox_hours, mins => :grace_minutes)) AS old
      FROM orders.outbox
    UNION ALL SELECT 2, 'inventory.outbox', :outbox_hours, count(*),
      count(*) FILTER (WHERE sent_at < now() - make_interval(hours => :outbox_hours, mins => :grace_minutes))
      FROM inventory.outbox
    UNION ALL SELECT 3, 'dispatch.outbox', :outbox_hours, count(*),
      count(*) FILTER (WHERE sent_at < now() - make_interval(hours => :outbox_hours, mins => :grace_minutes))
      FROM dispatch.outbox
    UNION ALL SELECT 4, 'orders.consumed_events', :consumed_hours, count(*),
      count(*) FILTER (WHERE consumed_at < now() - make_interval(hours => :consumed_hours, mins => :grace_minutes))
      FROM orders.consumed_events
    UNION ALL SELECT 5, 'inventory.consumed_events', :consumed_hours, count(*),
      count(*) FILTER (WHERE consumed_at < now() - make_interval(hours => :consumed_hours, mins => :grace_minutes))
      FROM inventory.consumed_events
    UNION ALL SELECT 6, 'dispatch.consumed_events', :consumed_hours, count(*),
      count(*) FILTER (WHERE consumed_at < now() - make_interval(hours => :consumed_hours, mins => :grace_minutes))
      FROM dispatch.consumed_events
    UNION ALL SELECT 7, 'orders.idempotency', :retention_hours, count(*),
      count(*) FILTER (WHERE created_at < now() - make_interval(hours => :retention_hours, mins => :grace_minutes))
      FROM orders.idempotency
    UNION ALL SELECT 8, 'orders.order_snapshots', :retention_hours, count(*),
      count(*) FILTER (WHERE created_at < now() - make_interval(hours => :retention_hours, mins => :grace_minutes))
      FROM orders.order_snapshots
    UNION ALL SELECT 9, 'orders.place_attempts', :retention_hours, count(*),
      count(*) FILTER (WHERE updated_at < now() - make_interval(hours => :retention_hours, mins => :grace_minutes))
      FROM orders.place_attempts
    UNION ALL SELECT 10, 'inventory.idempotency', :retention_hours, count(*),
      count(*) FILTER (WHERE created_at < now() - make_interval(hours => :retention_hours, mins => :grace_minutes))
      FROM inventory.idempotency
    UNION ALL SELECT 11, 'dispatch.idempotency_keys', :retention_hours, count(*),
      count(*) FILTER (WHERE created_at < now() - make_interval(hours => :retention_hours, mins => :grace_minutes))
      FROM dispatch.idempotency_keys
  ) b));
