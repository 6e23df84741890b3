-- Dispatch's month (scripts/bench growth step; after growth_town.sql in the same session): 2,000
-- couriers (off duty), a finished job per delivered order with its two stops, its accepted offer
-- and its assignment; and the purged tables as their purges keep them: the outbox (6 sent events
-- per order over the last outbox retention, 48 h), consumed_events (OrderConfirmed over 7 days)
-- and the couriers' idempotency keys (4 per delivered order: accept, two pickups, delivery)
-- over the last PASAR_RETENTION_HOURS (72 h). Column lists are the migrations' (a renamed or new
-- NOT NULL column fails this file). Foreign-key triggers are off during the load
-- (session_replication_role = replica: the rows agree by construction).
\set ON_ERROR_STOP on
SET session_replication_role = replica;
SET maintenance_work_mem = '512MB';
SELECT pg_temp.growth_drop_indexes(ARRAY['dispatch.jobs', 'dispatch.job_stops', 'dispatch.offers',
  'dispatch.assignments']::regclass[]);

INSERT INTO dispatch.couriers (id, subject, name, phone, vehicle_plate, home_market_id, state,
  created_at, updated_at)
SELECT md5('pasar-growth-courier-' || k)::uuid, 'growth-courier-' || k, 'Ojek ' || k,
  '+62812' || (2000000 + k), 'N ' || (1000 + k) || ' GR',
  md5('pasar-growth-market-' || (k % 10))::text, 'OFF_DUTY',
  p.seeded_at - make_interval(days => p.days + 20), p.seeded_at - make_interval(days => p.days + 20)
FROM growth_params p, generate_series(0, 1999) AS k;

INSERT INTO dispatch.jobs (id, market_id, market_name, pickup_lat, pickup_lng, drop_off_lat,
  drop_off_lng, drop_off_address, goods_total_idr, cash_to_collect_idr, delivery_fee_idr,
  service_fee_idr, distance_meters, delivery_pin, status, courier_id, correlation_id, created_at,
  dispatch_deadline, assigned_at, first_assigned_at, delivered_at, finished_at, offers_made,
  version, dispatch_timeout_seconds)
SELECT o.order_id::text, o.market_id::text, 'Pasar Growth ' || o.m, -8.1335 + 0.01 * o.m,
  113.2248 + 0.01 * o.m, -8.14 + (o.g % 100) * 0.0001, 113.23 + (o.g % 77) * 0.0001,
  'Jl. Pelanggan ' || (o.g % 500), t.goods, t.goods + 9000, 8000, 1000, 1500 + o.g % 3000,
  lpad((o.g % 10000)::text, 4, '0'), 'DELIVERED', o.courier_id, o.order_id::text,
  o.at + interval '6 minutes', o.at + interval '21 minutes', o.at + interval '12 minutes',
  o.at + interval '12 minutes', o.at + interval '55 minutes', o.at + interval '55 minutes', 1, 6,
  900
FROM growth_orders o JOIN growth_totals t USING (g) WHERE o.delivered ORDER BY o.g;

INSERT INTO dispatch.job_stops (job_id, ticket_id, position, stall_id, stall_name, amount_idr,
  pickup_code, attempts, paid_idr, picked_up_at)
SELECT o.order_id::text, t.ticket_id::text, t.ticket, md5('pasar-growth-stall-' || t.stall)::text,
  'Lapak ' || t.stall, t.total, lpad(((o.g * 7 + t.ticket) % 10000)::text, 4, '0'), 1, t.total,
  o.at + interval '30 minutes' + t.ticket * interval '1 minute'
FROM growth_tickets t JOIN growth_orders o USING (g) WHERE o.delivered ORDER BY o.g, t.ticket;

INSERT INTO dispatch.offers (job_id, courier_id, market_id, status, distance_to_market_meters,
  eta_seconds, made_by, created_at, expires_at, resolved_at)
SELECT o.order_id::text, o.courier_id, o.market_id::text, 'ACCEPTED', 800 + o.g % 2000, 600,
  'growth-matcher', o.at + interval '11 minutes', o.at + interval '12 minutes',
  o.at + interval '12 minutes'
FROM growth_orders o WHERE o.delivered ORDER BY o.g;

INSERT INTO dispatch.assignments (job_id, courier_id, market_id, assigned_at, latency_ms, first)
SELECT o.order_id::text, o.courier_id, o.market_id::text, o.at + interval '12 minutes', 360000,
  true
FROM growth_orders o WHERE o.delivered ORDER BY o.g;

-- ---- the purged tables ----------------------------------------------------------------------
INSERT INTO dispatch.outbox (event_id, stream, type, aggregate_id, payload, created_at, sent_at,
  entry_ms, entry_seq)
SELECT md5('growth-dispatch-event-' || i)::uuid::text, 'events.dispatch',
  (ARRAY['JobCreated', 'OfferMade', 'CourierAssigned', 'PickupConfirmed', 'PickupConfirmed',
         'DeliveryConfirmed'])[1 + i % 6],
  md5('growth-dispatch-aggregate-' || i / 6)::uuid::text, decode(repeat(md5(i::text), 12), 'hex'),
  t, t + interval '3 milliseconds', (extract(epoch FROM t) * 1000)::bigint + 3, 0
FROM (SELECT i, pg_temp.growth_at(i, n, 48) AS t
      FROM (SELECT pg_temp.growth_rows(6, 48) AS n) c, generate_series(1, c.n) AS i) s
ORDER BY i DESC;

INSERT INTO dispatch.consumed_events (consumer, event_id, consumed_at)
SELECT 'dispatch', md5('growth-consumed-dispatch-' || i)::uuid::text,
  pg_temp.growth_at(i, n, 168)
FROM (SELECT pg_temp.growth_rows(1, 168) AS n) c, generate_series(1, c.n) AS i ORDER BY i DESC;

-- What couriers asked per delivered order of the last 72 h (and one purge interval more).
INSERT INTO dispatch.idempotency_keys (subject, rpc, request_id, request, response, created_at)
SELECT 'growth-courier-' || o.courier, k.rpc,
  md5('pasar-growth-courier-request-' || o.g || k.n)::uuid::text,
  decode(md5(o.g || k.rpc) || md5(k.rpc || o.g), 'hex'),
  decode(repeat(md5(o.g::text || k.rpc), 6), 'hex'),
  pg_temp.growth_at(p.orders - o.g + 1, c.n, 72) - k.before
FROM growth_params p, (SELECT pg_temp.growth_rows(1, 72) AS n) c, growth_orders o,
LATERAL (VALUES (0, 'AcceptOffer', interval '43 minutes'), (1, 'ConfirmPickup', interval '25 minutes'),
                (2, 'ConfirmPickup', interval '24 minutes'), (3, 'ConfirmDelivery', interval '0 minutes'))
  AS k(n, rpc, before)
WHERE o.delivered AND o.g > p.orders - c.n;

SELECT pg_temp.growth_indexes_back();
RESET session_replication_role;
VACUUM ANALYZE dispatch.couriers, dispatch.jobs, dispatch.job_stops, dispatch.offers,
  dispatch.assignments, dispatch.outbox, dispatch.consumed_events, dispatch.idempotency_keys;
