-- The order service's month (scripts/bench growth step; after growth_town.sql in the same
-- session): every order with its two tickets, three lines and (delivered orders) its eight
-- ledger entries; and the purged tables as their purges keep them: the outbox (14 sent events
-- per order over the last outbox retention, 48 h), consumed_events (4 per order over 7 days),
-- and over the last PASAR_RETENTION_HOURS (72 h) the watch snapshots (9 versions per order),
-- PlaceOrder attempt counters (1) and stored responses of the traders' calls (4). Column lists
-- are the migrations' (a renamed or new NOT NULL column fails this file). Foreign-key triggers
-- are off during the load (session_replication_role = replica: the rows agree by construction).
\set ON_ERROR_STOP on
SET session_replication_role = replica;
SET maintenance_work_mem = '512MB';
SELECT pg_temp.growth_drop_indexes(ARRAY['orders.orders', 'orders.tickets',
  'orders.ticket_lines', 'orders.ledger_entries']::regclass[]);

INSERT INTO orders.orders (id, customer_subject, request_id, request_hash, market_id, market_name,
  market_lat, market_lng, status, cancel_reason, drop_off_lat, drop_off_lng, drop_off_address,
  goods_total_idr, delivery_fee_idr, service_fee_idr, distance_meters, delivery_pin,
  reservation_id, weighed_tolerance_percent, dispatch_timeout_seconds, courier_id, courier_name,
  courier_plate, courier_phone, courier_eta_seconds, courier_assigned_at, version, created_at,
  updated_at, confirmed_at, picked_up_at, delivered_at, cancelled_at)
SELECT o.order_id, o.customer, 'growth-' || o.g, md5('request-' || o.g), o.market_id,
  'Pasar Growth ' || o.m, -8.1335 + 0.01 * o.m, 113.2248 + 0.01 * o.m,
  CASE WHEN o.delivered THEN 'DELIVERED' ELSE 'CANCELLED' END,
  CASE WHEN o.delivered THEN NULL ELSE 'CUSTOMER' END,
  -8.14 + (o.g % 100) * 0.0001, 113.23 + (o.g % 77) * 0.0001, 'Jl. Pelanggan ' || (o.g % 500),
  t.goods, 8000, 1000, 1500 + o.g % 3000, lpad((o.g % 10000)::text, 4, '0'), o.reservation_id, 10,
  900,
  CASE WHEN o.delivered THEN o.courier_id::text END,
  CASE WHEN o.delivered THEN 'Ojek ' || o.courier END,
  CASE WHEN o.delivered THEN 'N ' || (1000 + o.courier) || ' GR' END,
  CASE WHEN o.delivered THEN '+62812' || (2000000 + o.courier) END,
  CASE WHEN o.delivered THEN 600 END,
  CASE WHEN o.delivered THEN o.at + interval '12 minutes' END,
  CASE WHEN o.delivered THEN 9 ELSE 2 END, o.at,
  CASE WHEN o.delivered THEN o.at + interval '55 minutes' ELSE o.at + interval '2 minutes' END,
  CASE WHEN o.delivered THEN o.at + interval '6 minutes' END,
  CASE WHEN o.delivered THEN o.at + interval '30 minutes' END,
  CASE WHEN o.delivered THEN o.at + interval '55 minutes' END,
  CASE WHEN o.delivered THEN NULL ELSE o.at + interval '2 minutes' END
FROM growth_orders o JOIN growth_totals t USING (g)
ORDER BY o.g;

INSERT INTO orders.tickets (id, order_id, position, stall_id, stall_name, market_id, status,
  total_idr, pickup_code, decide_by, paid_idr, version, created_at, updated_at, decided_at,
  ready_at, picked_up_at)
SELECT t.ticket_id, o.order_id, t.ticket, md5('pasar-growth-stall-' || t.stall)::uuid,
  'Lapak ' || t.stall, o.market_id, CASE WHEN o.delivered THEN 'PICKED_UP' ELSE 'CANCELLED' END,
  t.total, lpad(((o.g * 7 + t.ticket) % 10000)::text, 4, '0'), o.at + interval '5 minutes',
  CASE WHEN o.delivered THEN t.total END, CASE WHEN o.delivered THEN 4 ELSE 2 END, o.at,
  CASE WHEN o.delivered THEN o.at + interval '30 minutes' ELSE o.at + interval '2 minutes' END,
  CASE WHEN o.delivered THEN o.at + interval '3 minutes' END,
  CASE WHEN o.delivered THEN o.at + interval '15 minutes' END,
  CASE WHEN o.delivered THEN o.at + interval '30 minutes' END
FROM growth_tickets t JOIN growth_orders o USING (g)
ORDER BY t.g, t.ticket;

INSERT INTO orders.ticket_lines (ticket_id, product_id, position, name, unit, weighed,
  ordered_quantity, price_idr, status, final_quantity, line_total_idr)
SELECT l.ticket_id, md5('pasar-growth-product-' || l.product)::uuid, l.pos,
  'Produk ' || l.product, 'ikat', false, l.qty, l.price,
  CASE WHEN l.delivered THEN 'ACCEPTED' ELSE 'PENDING' END, l.qty, l.qty * l.price
FROM growth_lines l
ORDER BY l.g, l.line_no;

-- Double entry per delivered order (domain/ledger.h): a TRADER_PAID pair per ticket at pickup,
-- CUSTOMER_PAID and SERVICE_FEE pairs at delivery.
INSERT INTO orders.ledger_entries (order_id, kind, party, party_id, amount_idr, description,
  created_at)
SELECT o.order_id, e.kind, e.party, e.party_id, e.amount, e.description, e.at
FROM growth_orders o JOIN growth_totals tot USING (g)
JOIN growth_tickets t0 ON t0.g = o.g AND t0.ticket = 0
JOIN growth_tickets t1 ON t1.g = o.g AND t1.ticket = 1,
LATERAL (VALUES
  (1, 'TRADER_PAID', 'COURIER', o.courier_id::text, -t0.total, 'paid at Lapak ' || t0.stall, o.at + interval '30 minutes'),
  (2, 'TRADER_PAID', 'TRADER', md5('pasar-growth-stall-' || t0.stall)::uuid::text, t0.total, 'paid at Lapak ' || t0.stall, o.at + interval '30 minutes'),
  (3, 'TRADER_PAID', 'COURIER', o.courier_id::text, -t1.total, 'paid at Lapak ' || t1.stall, o.at + interval '31 minutes'),
  (4, 'TRADER_PAID', 'TRADER', md5('pasar-growth-stall-' || t1.stall)::uuid::text, t1.total, 'paid at Lapak ' || t1.stall, o.at + interval '31 minutes'),
  (5, 'CUSTOMER_PAID', 'CUSTOMER', o.customer, -(tot.goods + 9000), 'paid at the door', o.at + interval '55 minutes'),
  (6, 'CUSTOMER_PAID', 'COURIER', o.courier_id::text, tot.goods + 9000, 'paid at the door', o.at + interval '55 minutes'),
  (7, 'SERVICE_FEE', 'COURIER', o.courier_id::text, -1000, 'service fee', o.at + interval '55 minutes'),
  (8, 'SERVICE_FEE', 'PLATFORM', o.market_id::text, 1000, 'service fee', o.at + interval '55 minutes')
) AS e(n, kind, party, party_id, amount, description, at)
WHERE o.delivered
ORDER BY o.g, e.n;

-- ---- the purged tables ----------------------------------------------------------------------
INSERT INTO orders.outbox (event_id, stream, type, aggregate_id, payload, created_at, sent_at,
  entry_ms, entry_seq)
SELECT md5('growth-order-event-' || i)::uuid::text, 'events.order',
  (ARRAY['OrderPlaced', 'OrderStatusChanged', 'TicketAccepted', 'OrderStatusChanged',
         'TicketAccepted', 'OrderConfirmed', 'OrderStatusChanged', 'TicketReady',
         'OrderStatusChanged', 'TicketReady', 'OrderStatusChanged', 'OrderStatusChanged',
         'OrderStatusChanged', 'OrderStatusChanged'])[1 + i % 14],
  md5('growth-order-aggregate-' || i / 14)::uuid::text, decode(repeat(md5(i::text), 16), 'hex'),
  t, t + interval '3 milliseconds', (extract(epoch FROM t) * 1000)::bigint + 3, 0
FROM (SELECT i, pg_temp.growth_at(i, n, 48) AS t
      FROM (SELECT pg_temp.growth_rows(14, 48) AS n) c, generate_series(1, c.n) AS i) s
ORDER BY i DESC;

INSERT INTO orders.consumed_events (consumer, event_id, consumed_at)
SELECT 'order', md5('growth-consumed-order-' || i)::uuid::text, pg_temp.growth_at(i, n, 168)
FROM (SELECT pg_temp.growth_rows(4, 168) AS n) c, generate_series(1, c.n) AS i ORDER BY i DESC;

-- The newest orders' housekeeping rows (r = 1 is the newest order).
CREATE TEMP TABLE growth_recent AS
SELECT p.orders - o.g + 1 AS r, o.order_id, o.g
FROM growth_params p JOIN growth_orders o ON o.g > p.orders - pg_temp.growth_rows(1, 72);

INSERT INTO orders.order_snapshots (order_id, version, status, snapshot, created_at)
SELECT r.order_id, v, CASE v WHEN 1 THEN 'PLACED' WHEN 9 THEN 'DELIVERED' ELSE 'CONFIRMED' END,
  decode(repeat(md5(r.order_id::text || v), 32), 'hex'),
  pg_temp.growth_at(r.r, c.n, 72) - (9 - v) * interval '5 minutes'
FROM (SELECT pg_temp.growth_rows(1, 72) AS n) c, growth_recent r, generate_series(1, 9) AS v
ORDER BY r.r DESC, v;

INSERT INTO orders.place_attempts (order_id, attempts, updated_at)
SELECT r.order_id, 1, pg_temp.growth_at(r.r, c.n, 72)
FROM (SELECT pg_temp.growth_rows(1, 72) AS n) c, growth_recent r;

INSERT INTO orders.idempotency (subject, rpc, request_id, request_hash, response, created_at)
SELECT 'growth-trader-' || (r.r * 4 + k) % 1000, (ARRAY['AcceptTicket', 'MarkTicketReady'])[1 + k % 2],
  md5('growth-order-request-' || r.r || '-' || k)::uuid::text, md5(r.r || '-' || k),
  decode(repeat(md5(r.order_id::text || k), 36), 'hex'),
  pg_temp.growth_at(r.r, c.n, 72) - k * interval '1 minute'
FROM (SELECT pg_temp.growth_rows(1, 72) AS n) c, growth_recent r, generate_series(0, 3) AS k;

SELECT pg_temp.growth_indexes_back();
RESET session_replication_role;
VACUUM ANALYZE orders.orders, orders.tickets, orders.ticket_lines, orders.ledger_entries,
  orders.outbox, orders.consumed_events, orders.order_snapshots, orders.place_attempts,
  orders.idempotency;
