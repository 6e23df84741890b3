-- The inventory schema: markets, stalls, products with their stock counters, reservations,
-- the stock ledger and the idempotency records of mutations. Applied with search_path =
-- inventory (pasar::pg::Migrate), so names are unqualified.

-- Trigram index support for the free-text product search (ILIKE '%cabai rawit%').
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE TABLE markets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lng double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
  address text NOT NULL DEFAULT '',
  time_zone text NOT NULL DEFAULT 'Asia/Jakarta',
  -- Opening intervals flattened as (ISO weekday, open minute, close minute) triples, local time.
  opening_hours integer[] NOT NULL DEFAULT '{}' CHECK (cardinality(opening_hours) % 3 = 0),
  fee_kind smallint NOT NULL CHECK (fee_kind BETWEEN 1 AND 3),  -- pasar.inventory.v1.FeeKind
  flat_fee_idr bigint NOT NULL DEFAULT 0 CHECK (flat_fee_idr >= 0),
  per_km_idr bigint NOT NULL DEFAULT 0 CHECK (per_km_idr >= 0),
  base_fee_idr bigint NOT NULL DEFAULT 0 CHECK (base_fee_idr >= 0),
  base_meters bigint NOT NULL DEFAULT 0 CHECK (base_meters >= 0),
  road_factor_permille integer NOT NULL DEFAULT 1300,
  service_fee_idr bigint NOT NULL DEFAULT 0 CHECK (service_fee_idr >= 0),
  max_delivery_distance_meters bigint NOT NULL CHECK (max_delivery_distance_meters > 0),
  weighed_tolerance_percent integer NOT NULL CHECK (weighed_tolerance_percent BETWEEN 0 AND 50),
  trader_response_timeout_seconds integer NOT NULL DEFAULT 300,
  dispatch_timeout_seconds integer NOT NULL DEFAULT 900,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX markets_by_name ON markets (name, id);

CREATE TABLE stalls (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  market_id uuid NOT NULL REFERENCES markets (id),
  trader_subject text NOT NULL,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  category smallint NOT NULL,  -- pasar.inventory.v1.Category
  open boolean NOT NULL DEFAULT false,
  preparation_minutes integer NOT NULL DEFAULT 0 CHECK (preparation_minutes BETWEEN 0 AND 240),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stalls_by_market ON stalls (market_id, name, id);

-- stock: available for new reservations; held: reserved, not settled; sold: committed.
-- Every change of the three is a stock_ledger row.
CREATE TABLE products (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  stall_id uuid NOT NULL REFERENCES stalls (id),
  market_id uuid NOT NULL REFERENCES markets (id),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  category smallint NOT NULL,
  unit text NOT NULL CHECK (char_length(unit) BETWEEN 1 AND 16),
  price_idr bigint NOT NULL CHECK (price_idr > 0),
  weighed boolean NOT NULL DEFAULT false,
  active boolean NOT NULL DEFAULT true,
  stock bigint NOT NULL CHECK (stock >= 0),
  held bigint NOT NULL DEFAULT 0 CHECK (held >= 0),
  sold bigint NOT NULL DEFAULT 0 CHECK (sold >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_by_market ON products (market_id, name, id);
CREATE INDEX products_by_stall ON products (stall_id, name, id);
CREATE INDEX products_name_trgm ON products USING gin (name public.gin_trgm_ops);

-- What customers see of a product: its stall's name and the computed availability.
CREATE VIEW product_view AS
SELECT p.*, s.name AS stall_name, s.open AS stall_open,
       (p.active AND p.stock > 0 AND s.open) AS available
FROM products p JOIN stalls s ON s.id = p.stall_id;

CREATE TABLE reservations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  market_id uuid NOT NULL REFERENCES markets (id),
  order_id text NOT NULL DEFAULT '',
  caller text NOT NULL,  -- JWT subject of the service that reserved
  state text NOT NULL CHECK (state IN ('HELD', 'COMMITTED', 'RELEASED', 'EXPIRED')),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- The sweeper's work list.
CREATE INDEX reservations_due ON reservations (expires_at) WHERE state = 'HELD';

CREATE TABLE reservation_lines (
  reservation_id uuid NOT NULL REFERENCES reservations (id),
  position integer NOT NULL,
  product_id uuid NOT NULL REFERENCES products (id),
  stall_id uuid NOT NULL,
  stall_name text NOT NULL,
  name text NOT NULL,
  unit text NOT NULL,
  weighed boolean NOT NULL,
  quantity bigint NOT NULL CHECK (quantity > 0),
  price_idr bigint NOT NULL,
  committed_quantity bigint NOT NULL DEFAULT 0 CHECK (committed_quantity BETWEEN 0 AND quantity),
  preparation_minutes integer NOT NULL,
  PRIMARY KEY (reservation_id, position),
  UNIQUE (reservation_id, product_id)
);
CREATE INDEX reservation_lines_by_product ON reservation_lines (product_id);

-- Every change of a product's counters. Only adjustments change stock + held + sold.
CREATE TABLE stock_ledger (
  id bigserial PRIMARY KEY,
  product_id uuid NOT NULL REFERENCES products (id),
  reason text NOT NULL
    CHECK (reason IN ('adjustment', 'reservation', 'commit', 'release', 'expiry')),
  detail text NOT NULL DEFAULT '',  -- adjustment reason and note, release reason
  actor text NOT NULL,              -- JWT subject, or "sweeper" / "event:<type>"
  reservation_id uuid,
  delta_stock bigint NOT NULL,
  delta_held bigint NOT NULL,
  delta_sold bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (reason = 'adjustment' OR delta_stock + delta_held + delta_sold = 0),
  CHECK (reason <> 'adjustment' OR (delta_held = 0 AND delta_sold = 0))
);
CREATE INDEX stock_ledger_by_product ON stock_ledger (product_id, id);
CREATE INDEX stock_ledger_by_reservation ON stock_ledger (reservation_id)
  WHERE reservation_id IS NOT NULL;

-- Mutations by request id: (caller, rpc, request_id) -> the request and its response.
CREATE TABLE idempotency (
  subject text NOT NULL,
  rpc text NOT NULL,
  request_id text NOT NULL,
  request bytea NOT NULL,
  response bytea,  -- NULL while the claiming transaction runs
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subject, rpc, request_id)
);
CREATE INDEX idempotency_by_age ON idempotency (created_at);
