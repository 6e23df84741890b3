-- The reporting schema: what the events of the other services told this service, as sets of
-- facts whose figures do not depend on the order the events arrived in (README, "Reporting").
-- Applied with search_path = the service's schema (PASAR_REPORTING_SCHEMA, default reporting).
-- Ids are kept as text: they come from other services' events, never from this one.

-- Inventory's catalogue (MarketChanged, StallChanged, ProductChanged). A market or stall keeps its
-- latest version by (changed_at, event_id); a product keeps every version of its listing.
CREATE TABLE markets (
  market_id text PRIMARY KEY,
  name text NOT NULL,
  kecamatan text NOT NULL,
  village text NOT NULL,
  time_zone text NOT NULL,
  changed_at timestamptz NOT NULL,
  event_id text NOT NULL
);

CREATE TABLE stalls (
  stall_id text PRIMARY KEY,
  market_id text NOT NULL,
  name text NOT NULL,
  open boolean NOT NULL,
  pause smallint NOT NULL,  -- pasar.inventory.v1.StallPause
  changed_at timestamptz NOT NULL,
  event_id text NOT NULL
);

CREATE TABLE product_versions (
  product_id text NOT NULL,
  valid_from timestamptz NOT NULL,
  event_id text NOT NULL,
  market_id text NOT NULL,
  stall_id text NOT NULL,
  name text NOT NULL,
  unit text NOT NULL,
  price_idr bigint NOT NULL,
  commodity smallint NOT NULL,  -- pasar.common.v1.Commodity
  standard_unit_milli integer NOT NULL,
  PRIMARY KEY (product_id, valid_from, event_id)
);

-- Orders: one row per order to find them by market and time (market and placement from whichever
-- event tells them first, last_at the latest fact), one fact per event, the tickets as placed and
-- their lines as ordered and as decided.
CREATE TABLE orders (
  order_id text PRIMARY KEY,
  market_id text,
  placed_at timestamptz,
  last_at timestamptz NOT NULL
);
CREATE INDEX orders_by_market ON orders (market_id, last_at);

CREATE TABLE order_facts (
  event_id text PRIMARY KEY,
  order_id text NOT NULL,
  kind smallint NOT NULL,  -- FactKind (domain/facts.h)
  at timestamptz NOT NULL,
  ticket_id text NOT NULL DEFAULT '',
  stall_id text NOT NULL DEFAULT '',
  courier_id text NOT NULL DEFAULT '',
  amount_idr bigint NOT NULL DEFAULT 0,
  reason smallint NOT NULL DEFAULT 0,
  all_picked_up boolean NOT NULL DEFAULT false
);
CREATE INDEX order_facts_by_order ON order_facts (order_id, at, event_id);

CREATE TABLE order_tickets (
  ticket_id text PRIMARY KEY,
  order_id text NOT NULL,
  stall_id text NOT NULL,
  decide_by timestamptz NOT NULL
);
CREATE INDEX order_tickets_by_order ON order_tickets (order_id);

CREATE TABLE order_lines (
  ticket_id text NOT NULL,
  product_id text NOT NULL,
  order_id text NOT NULL,
  quantity bigint,   -- OrderPlaced
  price_idr bigint,  -- OrderPlaced: the listed price of one sale unit
  decided boolean NOT NULL DEFAULT false,  -- TicketAccepted
  accepted boolean NOT NULL DEFAULT false,
  final_quantity bigint NOT NULL DEFAULT 0,
  line_total_idr bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (ticket_id, product_id)
);
CREATE INDEX order_lines_by_order ON order_lines (order_id);

-- The office's own input (SetReferencePrice), not derived from events: a rebuild keeps it.
CREATE TABLE reference_prices (
  commodity smallint NOT NULL,
  market_id text NOT NULL,  -- '' = every market without its own
  price_idr bigint NOT NULL CHECK (price_idr > 0),
  band_percent integer NOT NULL CHECK (band_percent BETWEEN 1 AND 100),
  set_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (commodity, market_id)
);
