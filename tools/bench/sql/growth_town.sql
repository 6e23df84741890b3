-- The town of scripts/bench's growth step: a month of a busy town, as the rows every service's
-- preload (growth_<service>.sql, run after this file in the same psql session) derives its own
-- tables from. Nothing here touches a service's schema: it only fills session temp tables.
--
-- psql variables: orders (1000000), products (30000, a multiple of 300: 10 markets of stalls
-- with 30 products each), days (30). Every id is derived from its row number (md5), so a preload
-- is the same on every machine and the services' files agree on every id without reading each
-- other's tables. Every order is final (93 % delivered, the rest cancelled by the customer
-- while placed), every reservation settled, every job finished: nothing is due for a sweeper or
-- a matcher. Two tickets per order from two stalls of its market: two lines from the first,
-- one from the second.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET work_mem = '256MB';
SET client_min_messages = warning;

CREATE TEMP TABLE growth_params AS
SELECT :orders::bigint AS orders, :products::int AS products, (:products / 30)::int AS stalls,
       (:products / 300)::int AS stalls_per_market, :days::int AS days, now() AS seeded_at,
       :orders::float8 / :days / 24 AS orders_per_hour;

CREATE TEMP TABLE growth_orders AS
WITH base AS (
  SELECT g, hashint8extended(g, 21) & 9223372036854775807 AS h,
    hashint8extended(g, 22) & 9223372036854775807 AS h2, p.*
  FROM growth_params p, generate_series(1, p.orders) AS g
), picked AS (
  SELECT g, h, stalls_per_market,
    seeded_at - make_interval(days => days) + (g - 0.5) / orders * make_interval(days => days) AS at,
    (g % 10)::int AS m, (h % stalls_per_market)::int AS s1,
    ((h % stalls_per_market + 1 + (h / 128) % (stalls_per_market - 1)) % stalls_per_market)::int AS s2,
    (h / 16384 % 30)::int AS j1, ((h / 16384 % 30 + 1 + (h / 524288) % 29) % 30)::int AS j2,
    (h / 1048576 % 30)::int AS j3, (1 + (h / 33554432) % 3)::int AS qty,
    (h / 4096) % 100 < 93 AS delivered, (h2 % 50000)::int AS customer,
    (h2 / 65536 % 2000)::int AS courier
  FROM base
)
SELECT g, at, m, delivered, qty,
  md5('pasar-growth-order-' || g)::uuid AS order_id,
  md5('pasar-growth-reservation-' || g)::uuid AS reservation_id,
  md5('pasar-growth-ticket-' || g || '-0')::uuid AS ticket0,
  md5('pasar-growth-ticket-' || g || '-1')::uuid AS ticket1,
  'growth-customer-' || customer AS customer,
  md5('pasar-growth-courier-' || courier)::uuid AS courier_id, courier,
  md5('pasar-growth-market-' || m)::uuid AS market_id,
  m * stalls_per_market + s1 AS stall0, m * stalls_per_market + s2 AS stall1,
  (m * stalls_per_market + s1) * 30 + j1 AS p0, (m * stalls_per_market + s1) * 30 + j2 AS p1,
  (m * stalls_per_market + s2) * 30 + j3 AS p2
FROM picked;

-- Lines: (order, ticket position, line position, product number).
CREATE TEMP TABLE growth_lines AS
SELECT o.g, o.at, o.delivered, o.qty, o.order_id, o.reservation_id, o.market_id,
  v.ticket, v.pos, v.n AS line_no, v.product,
  CASE v.ticket WHEN 0 THEN o.ticket0 ELSE o.ticket1 END AS ticket_id,
  CASE v.ticket WHEN 0 THEN o.stall0 ELSE o.stall1 END AS stall,
  1000 + ((v.product * 7919) % 40) * 500 AS price
FROM growth_orders o,
  LATERAL (VALUES (0, 0, 0, o.p0), (0, 1, 1, o.p1), (1, 0, 2, o.p2)) AS v(ticket, pos, n, product);

CREATE TEMP TABLE growth_tickets AS
SELECT g, ticket, ticket_id, stall, min(at) AS at, bool_and(delivered) AS delivered,
  sum(qty * price)::bigint AS total
FROM growth_lines GROUP BY g, ticket, ticket_id, stall;

CREATE TEMP TABLE growth_totals AS
SELECT g, sum(total)::bigint AS goods FROM growth_tickets GROUP BY g;

-- The purged tables hold what their retention keeps, rows spread evenly up to now(), plus one
-- purge interval (10 minutes) of rows already past it, which the purges remove when the
-- services start: growth_at(i, n, hours) is row i's time among n such rows, growth_rows(per
-- order, hours) how many rows a table gets at the month's order rate.
CREATE FUNCTION pg_temp.growth_at(i bigint, n bigint, hours float8) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
  SELECT now() - make_interval(secs => (hours * 3600 + 600) * (i - 0.5) / n)
$$;
CREATE FUNCTION pg_temp.growth_rows(per_order float8, hours float8) RETURNS bigint
LANGUAGE sql AS $$
  SELECT ceil(orders_per_hour * (hours + 1.0 / 6) * per_order)::bigint FROM growth_params
$$;

-- Drops the secondary indexes of `tables` (constraint indexes stay) for a bulk load and keeps
-- their definitions; growth_indexes_back() creates them again.
CREATE TEMP TABLE growth_indexes (name text, def text);
CREATE FUNCTION pg_temp.growth_drop_indexes(tables regclass[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT format('%I.%I', n.nspname, c.relname) AS name, pg_get_indexdef(i.indexrelid) AS def
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE i.indrelid = ANY (tables)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
  LOOP
    INSERT INTO growth_indexes VALUES (r.name, r.def);
    EXECUTE 'DROP INDEX ' || r.name;
  END LOOP;
END $$;
CREATE FUNCTION pg_temp.growth_indexes_back() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT def FROM growth_indexes LOOP
    EXECUTE r.def;
  END LOOP;
  DELETE FROM growth_indexes;
END $$;
