-- The order service's schema (search_path = orders): orders, their tickets and lines, the
-- per-order ledger, the versioned snapshots WatchOrder streams, and idempotency records.

CREATE TABLE orders (
  id                        uuid PRIMARY KEY,          -- derived from (customer, request_id)
  customer_subject          text NOT NULL,
  request_id                text NOT NULL,             -- PlaceOrder idempotency key
  request_hash              text NOT NULL,             -- fingerprint of the PlaceOrder request
  market_id                 uuid NOT NULL,
  market_name               text NOT NULL,
  market_lat                double precision NOT NULL, -- pickup point
  market_lng                double precision NOT NULL,
  status                    text NOT NULL CHECK (status IN ('PLACED', 'CONFIRMED',
                              'COURIER_ASSIGNED', 'PICKED_UP', 'DELIVERED', 'CANCELLED')),
  cancel_reason             text CHECK (cancel_reason IN ('CUSTOMER', 'ALL_REJECTED',
                              'TRADER_TIMEOUT', 'NO_COURIER', 'RESERVATION_EXPIRED')),
  cancel_note               text NOT NULL DEFAULT '',
  drop_off_lat              double precision NOT NULL,
  drop_off_lng              double precision NOT NULL,
  drop_off_address          text NOT NULL DEFAULT '',
  drop_off_note             text NOT NULL DEFAULT '',
  goods_total_idr           bigint NOT NULL CHECK (goods_total_idr >= 0),
  delivery_fee_idr          bigint NOT NULL CHECK (delivery_fee_idr >= 0),
  service_fee_idr           bigint NOT NULL CHECK (service_fee_idr >= 0),
  distance_meters           bigint NOT NULL CHECK (distance_meters >= 0),
  delivery_pin              text NOT NULL,
  reservation_id            uuid NOT NULL,
  weighed_tolerance_percent integer NOT NULL,
  dispatch_timeout_seconds  integer NOT NULL,
  courier_id                text,
  courier_name              text,
  courier_plate             text,
  courier_phone             text,
  courier_eta_seconds       integer,
  courier_assigned_at       timestamptz,
  version                   bigint NOT NULL DEFAULT 1,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  confirmed_at              timestamptz,
  picked_up_at              timestamptz,
  delivered_at              timestamptz,
  cancelled_at              timestamptz,
  UNIQUE (customer_subject, request_id)
);
CREATE INDEX orders_by_customer ON orders (customer_subject, created_at DESC, id DESC);
CREATE INDEX orders_by_market ON orders (market_id, created_at DESC, id DESC);
CREATE INDEX orders_by_time ON orders (created_at DESC, id DESC);

CREATE TABLE tickets (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id      uuid NOT NULL REFERENCES orders (id),
  position      integer NOT NULL,                     -- order of first appearance in the cart
  stall_id      uuid NOT NULL,
  stall_name    text NOT NULL,
  market_id     uuid NOT NULL,
  status        text NOT NULL CHECK (status IN ('PENDING', 'ACCEPTED', 'READY', 'PICKED_UP',
                  'REJECTED', 'EXPIRED', 'CANCELLED')),
  total_idr     bigint NOT NULL CHECK (total_idr >= 0),
  pickup_code   text NOT NULL,
  decide_by     timestamptz NOT NULL,                 -- trader response deadline (persisted timer)
  reject_reason integer NOT NULL DEFAULT 0,           -- pasar.order.v1.RejectReason
  reject_note   text NOT NULL DEFAULT '',
  paid_idr      bigint,                               -- what the courier paid at pickup
  version       bigint NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  decided_at    timestamptz,
  ready_at      timestamptz,
  picked_up_at  timestamptz,
  UNIQUE (order_id, stall_id)
);
CREATE INDEX tickets_by_order ON tickets (order_id, position);
CREATE INDEX tickets_by_stall ON tickets (stall_id, created_at DESC, id DESC);
CREATE INDEX tickets_by_stall_change ON tickets (stall_id, updated_at);
CREATE INDEX tickets_due ON tickets (decide_by) WHERE status = 'PENDING';

CREATE TABLE ticket_lines (
  ticket_id        uuid NOT NULL REFERENCES tickets (id),
  product_id       uuid NOT NULL,
  position         integer NOT NULL,                  -- cart order within the ticket
  name             text NOT NULL,
  unit             text NOT NULL,
  weighed          boolean NOT NULL,
  ordered_quantity bigint NOT NULL CHECK (ordered_quantity > 0),
  price_idr        bigint NOT NULL CHECK (price_idr >= 0),
  status           text NOT NULL CHECK (status IN ('PENDING', 'ACCEPTED', 'REJECTED')),
  final_quantity   bigint NOT NULL CHECK (final_quantity >= 0),
  line_total_idr   bigint NOT NULL CHECK (line_total_idr >= 0),
  reject_reason    integer NOT NULL DEFAULT 0,
  PRIMARY KEY (ticket_id, product_id)
);

-- Postings of the per-order ledger, in pairs that sum to zero (domain/ledger.h).
CREATE TABLE ledger_entries (
  id          bigserial PRIMARY KEY,
  order_id    uuid NOT NULL REFERENCES orders (id),
  kind        text NOT NULL CHECK (kind IN ('TRADER_PAID', 'CUSTOMER_PAID', 'SERVICE_FEE')),
  party       text NOT NULL CHECK (party IN ('CUSTOMER', 'TRADER', 'COURIER', 'PLATFORM')),
  party_id    text NOT NULL,
  amount_idr  bigint NOT NULL,
  description text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_by_order ON ledger_entries (order_id, id);

-- The customer's view of the order after each change (a serialized pasar.order.v1.Order as
-- GetOrder shows it to the customer), so WatchOrder can send every version once, in order.
CREATE TABLE order_snapshots (
  order_id   uuid NOT NULL REFERENCES orders (id),
  version    bigint NOT NULL,
  status     text NOT NULL,
  snapshot   bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, version)
);

-- PlaceOrder attempts per (derived) order id. Every attempt reserves under its own inventory
-- idempotency key (the order id, then "<order id>#<n>"), so an attempt that failed and released
-- its reservation is never answered with that released reservation when the client retries.
CREATE TABLE place_attempts (
  order_id uuid PRIMARY KEY,
  attempts integer NOT NULL
);

-- Responses of mutations other than PlaceOrder (which is keyed by orders.request_id), stored in
-- the transaction of the change: (principal subject, rpc, request_id) -> response.
CREATE TABLE idempotency (
  subject      text NOT NULL,
  rpc          text NOT NULL,
  request_id   text NOT NULL,
  request_hash text NOT NULL,
  response     bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subject, rpc, request_id)
);
