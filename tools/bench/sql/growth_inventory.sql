-- Inventory's month (scripts/bench growth step; after growth_town.sql in the same session):
-- 10 markets, 30,000 products in 1,000 stalls; a reservation per order with its three lines and
-- the stock ledger (opening stock, each line's reservation and its commit or release), the
-- products' counters equal to the ledger's sums; and the purged tables as their purges keep
-- them: the outbox (sent ReservationCommitted events of the last outbox retention, 48 h),
-- consumed_events (OrderConfirmed of the last 7 days) and the idempotency records of
-- ReserveStock (one per order of the last PASAR_RETENTION_HOURS, 72 h). Column lists are the
-- migrations' (a renamed or new NOT NULL column fails this file). Foreign-key triggers are off
-- during the load (session_replication_role = replica: the rows agree by construction).
\set ON_ERROR_STOP on
SET session_replication_role = replica;
SET maintenance_work_mem = '512MB';
SELECT pg_temp.growth_drop_indexes(ARRAY['inventory.products', 'inventory.reservations',
  'inventory.reservation_lines', 'inventory.stock_ledger']::regclass[]);

INSERT INTO inventory.markets (id, name, lat, lng, address, time_zone, opening_hours, fee_kind,
  flat_fee_idr, service_fee_idr, max_delivery_distance_meters, weighed_tolerance_percent,
  trader_response_timeout_seconds, dispatch_timeout_seconds, created_at, updated_at)
SELECT md5('pasar-growth-market-' || m)::uuid, 'Pasar Growth ' || m, -8.1335 + 0.01 * m,
  113.2248 + 0.01 * m, 'Jl. Pasar ' || m, 'Asia/Jakarta',
  '{1,0,1440,2,0,1440,3,0,1440,4,0,1440,5,0,1440,6,0,1440,7,0,1440}', 1, 8000, 1000, 20000, 10,
  300, 900, p.seeded_at - make_interval(days => p.days + 30),
  p.seeded_at - make_interval(days => p.days + 30)
FROM growth_params p, generate_series(0, 9) AS m;

INSERT INTO inventory.stalls (id, market_id, trader_subject, name, category, open,
  preparation_minutes, created_at, updated_at)
SELECT md5('pasar-growth-stall-' || s)::uuid,
  md5('pasar-growth-market-' || (s / p.stalls_per_market))::uuid, 'growth-trader-' || s,
  'Lapak ' || s, 1 + s % 8, true, 5 + s % 20, p.seeded_at - make_interval(days => p.days + 20),
  p.seeded_at - make_interval(days => p.days + 20)
FROM growth_params p, generate_series(0, p.stalls - 1) AS s;

-- Stock and sold are set from the ledger below.
INSERT INTO inventory.products (id, stall_id, market_id, name, category, unit, price_idr, weighed,
  active, stock, held, sold, created_at, updated_at)
SELECT md5('pasar-growth-product-' || q)::uuid, md5('pasar-growth-stall-' || (q / 30))::uuid,
  md5('pasar-growth-market-' || (q / 30 / p.stalls_per_market))::uuid,
  (ARRAY['Bayam', 'Kangkung', 'Cabai rawit', 'Tomat', 'Bawang merah', 'Bawang putih', 'Kentang',
         'Wortel', 'Telur ayam', 'Beras', 'Tempe', 'Tahu', 'Ikan tongkol', 'Ayam potong',
         'Daging sapi', 'Pisang', 'Jeruk', 'Salak', 'Kelapa', 'Gula pasir'])[1 + (q * 7) % 20]
    || ' ' || (q % 30 + 1) || '-' || (q / 30),
  1 + (q / 30) % 8, 'ikat', 1000 + ((q * 7919) % 40) * 500, false, true, 1000000000, 0, 0,
  p.seeded_at - make_interval(days => p.days + 20), p.seeded_at - make_interval(days => p.days + 20)
FROM growth_params p, generate_series(0, p.products - 1) AS q;

INSERT INTO inventory.reservations (id, market_id, order_id, caller, state, expires_at,
  created_at, updated_at)
SELECT o.reservation_id, o.market_id, o.order_id::text, 'order',
  CASE WHEN o.delivered THEN 'COMMITTED' ELSE 'RELEASED' END, o.at + interval '15 minutes', o.at,
  o.at + interval '6 minutes'
FROM growth_orders o ORDER BY o.g;

INSERT INTO inventory.reservation_lines (reservation_id, position, product_id, stall_id,
  stall_name, name, unit, weighed, quantity, price_idr, committed_quantity, preparation_minutes)
SELECT l.reservation_id, l.line_no, md5('pasar-growth-product-' || l.product)::uuid,
  md5('pasar-growth-stall-' || l.stall)::uuid, 'Lapak ' || l.stall, 'Produk ' || l.product, 'ikat',
  false, l.qty, l.price, CASE WHEN l.delivered THEN l.qty ELSE 0 END, 10
FROM growth_lines l ORDER BY l.g, l.line_no;

INSERT INTO inventory.stock_ledger (product_id, reason, detail, actor, reservation_id,
  delta_stock, delta_held, delta_sold, created_at)
SELECT md5('pasar-growth-product-' || q)::uuid, 'adjustment', 'opening stock',
  'growth-trader-' || (q / 30), NULL, 1000000000, 0, 0,
  p.seeded_at - make_interval(days => p.days + 20)
FROM growth_params p, generate_series(0, p.products - 1) AS q;
INSERT INTO inventory.stock_ledger (product_id, reason, detail, actor, reservation_id,
  delta_stock, delta_held, delta_sold, created_at)
SELECT md5('pasar-growth-product-' || l.product)::uuid, e.reason, e.detail, e.actor,
  l.reservation_id, e.ds, e.dh, e.dsold, e.at
FROM growth_lines l,
LATERAL (VALUES
  (0, 'reservation', '', 'order', -l.qty, l.qty, 0, l.at),
  (1, CASE WHEN l.delivered THEN 'commit' ELSE 'release' END,
      CASE WHEN l.delivered THEN '' ELSE 'order cancelled' END, 'event:OrderConfirmed',
      CASE WHEN l.delivered THEN 0 ELSE l.qty END, -l.qty, CASE WHEN l.delivered THEN l.qty ELSE 0 END,
      l.at + interval '6 minutes')
) AS e(n, reason, detail, actor, ds, dh, dsold, at)
ORDER BY l.g, e.n, l.line_no;

UPDATE inventory.products p SET stock = p.stock - s.sold, sold = s.sold
FROM (SELECT md5('pasar-growth-product-' || product)::uuid AS id,
             sum(qty) FILTER (WHERE delivered) AS sold
      FROM growth_lines GROUP BY product) s
WHERE p.id = s.id AND s.sold IS NOT NULL;

-- ---- the purged tables ----------------------------------------------------------------------
INSERT INTO inventory.outbox (event_id, stream, type, aggregate_id, payload, created_at, sent_at,
  entry_ms, entry_seq)
SELECT md5('growth-inventory-event-' || i)::uuid::text, 'events.inventory',
  'ReservationCommitted', md5('growth-inventory-aggregate-' || i)::uuid::text,
  decode(repeat(md5(i::text), 10), 'hex'), t, t + interval '3 milliseconds',
  (extract(epoch FROM t) * 1000)::bigint + 3, 0
FROM (SELECT i, pg_temp.growth_at(i, n, 48) AS t
      FROM (SELECT pg_temp.growth_rows(1, 48) AS n) c, generate_series(1, c.n) AS i) s
ORDER BY i DESC;

INSERT INTO inventory.consumed_events (consumer, event_id, consumed_at)
SELECT 'inventory', md5('growth-consumed-inventory-' || i)::uuid::text,
  pg_temp.growth_at(i, n, 168)
FROM (SELECT pg_temp.growth_rows(1, 168) AS n) c, generate_series(1, c.n) AS i ORDER BY i DESC;

-- ReserveStock's records: one per order, the newest orders' (request id = the order id).
INSERT INTO inventory.idempotency (subject, rpc, request_id, request, response, created_at)
SELECT 'order', 'ReserveStock', o.order_id::text, decode(repeat(md5(o.order_id::text), 10), 'hex'),
  decode(repeat(md5(o.g::text), 25), 'hex'), pg_temp.growth_at(p.orders - o.g + 1, c.n, 72)
FROM growth_params p, (SELECT pg_temp.growth_rows(1, 72) AS n) c
JOIN growth_orders o ON true
WHERE o.g > p.orders - c.n;

SELECT pg_temp.growth_indexes_back();
RESET session_replication_role;
VACUUM ANALYZE inventory.markets, inventory.stalls, inventory.products, inventory.reservations,
  inventory.reservation_lines, inventory.stock_ledger, inventory.outbox, inventory.consumed_events,
  inventory.idempotency;
