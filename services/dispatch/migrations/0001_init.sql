-- Dispatch schema: couriers, their last fixes, jobs with stops, offers, assignments,
-- idempotency keys. Unqualified names: Migrate sets search_path to the service schema.

CREATE TABLE couriers (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subject              text NOT NULL UNIQUE,
  name                 text NOT NULL,
  phone                text NOT NULL DEFAULT '',
  vehicle_plate        text NOT NULL,
  home_market_id       text NOT NULL,
  state                text NOT NULL DEFAULT 'OFF_DUTY'
                       CHECK (state IN ('OFF_DUTY', 'IDLE', 'OFFERED', 'ASSIGNED', 'DELIVERING')),
  cash_on_hand_idr     bigint NOT NULL DEFAULT 0 CHECK (cash_on_hand_idr >= 0),
  current_job_id       text,
  shift_started_at     timestamptz,
  idle_since           timestamptz,
  consecutive_timeouts int NOT NULL DEFAULT 0,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX couriers_by_name ON couriers (name, id);
CREATE INDEX couriers_by_state ON couriers (state);

-- Latest fix per courier, written in batches by each instance's flusher. `seq` grows with every
-- write (flushers serialise on an advisory lock, so seq order is commit order) and lets every
-- instance read only what changed since its last refresh.
CREATE SEQUENCE courier_location_seq;
CREATE TABLE courier_locations (
  courier_id     uuid PRIMARY KEY REFERENCES couriers (id),
  lat            double precision NOT NULL,
  lng            double precision NOT NULL,
  recorded_at_ms bigint NOT NULL,
  seq            bigint NOT NULL
);
CREATE INDEX courier_locations_by_seq ON courier_locations (seq);
CREATE INDEX courier_locations_by_lat ON courier_locations (lat);

-- One job per confirmed order (id = order id).
CREATE TABLE jobs (
  id                  text PRIMARY KEY,
  market_id           text NOT NULL,
  market_name         text NOT NULL DEFAULT '',
  pickup_lat          double precision NOT NULL,
  pickup_lng          double precision NOT NULL,
  drop_off_lat        double precision NOT NULL,
  drop_off_lng        double precision NOT NULL,
  drop_off_address    text NOT NULL DEFAULT '',
  drop_off_note       text NOT NULL DEFAULT '',
  goods_total_idr     bigint NOT NULL,
  cash_to_collect_idr bigint NOT NULL,
  delivery_fee_idr    bigint NOT NULL,
  service_fee_idr     bigint NOT NULL,
  distance_meters     bigint NOT NULL DEFAULT 0,
  delivery_pin        text NOT NULL,
  pin_attempts        int NOT NULL DEFAULT 0,
  status              text NOT NULL
                      CHECK (status IN ('PENDING', 'OFFERED', 'ASSIGNED', 'PICKING_UP',
                                        'DELIVERING', 'DELIVERED', 'CANCELLED', 'FAILED')),
  courier_id          uuid REFERENCES couriers (id),
  correlation_id      text NOT NULL DEFAULT '',
  created_at          timestamptz NOT NULL DEFAULT now(),
  dispatch_deadline   timestamptz NOT NULL,
  assigned_at         timestamptz,
  first_assigned_at   timestamptz,
  delivered_at        timestamptz,
  finished_at         timestamptz,
  offers_made         int NOT NULL DEFAULT 0,
  version             bigint NOT NULL DEFAULT 1
);
CREATE INDEX jobs_pending_by_market ON jobs (market_id, created_at) WHERE status = 'PENDING';
CREATE INDEX jobs_open_deadline ON jobs (dispatch_deadline) WHERE status IN ('PENDING', 'OFFERED');
CREATE INDEX jobs_assigned ON jobs (assigned_at) WHERE status = 'ASSIGNED';
CREATE INDEX jobs_by_created ON jobs (created_at DESC, id DESC);

CREATE TABLE job_stops (
  job_id       text NOT NULL REFERENCES jobs (id),
  ticket_id    text NOT NULL,
  position     int NOT NULL,
  stall_id     text NOT NULL,
  stall_name   text NOT NULL DEFAULT '',
  amount_idr   bigint NOT NULL,
  pickup_code  text NOT NULL,
  attempts     int NOT NULL DEFAULT 0,
  paid_idr     bigint,
  picked_up_at timestamptz,
  PRIMARY KEY (job_id, ticket_id)
);

-- Orders cancelled before (or without) their job: a late OrderConfirmed is ignored.
CREATE TABLE cancelled_orders (
  order_id     text PRIMARY KEY,
  cancelled_at timestamptz NOT NULL DEFAULT now()
);

-- Couriers that declined or let an offer expire: never offered that job again.
CREATE TABLE job_exclusions (
  job_id     text NOT NULL REFERENCES jobs (id),
  courier_id uuid NOT NULL REFERENCES couriers (id),
  reason     text NOT NULL,
  PRIMARY KEY (job_id, courier_id)
);

CREATE TABLE offers (
  id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  job_id                    text NOT NULL REFERENCES jobs (id),
  courier_id                uuid NOT NULL REFERENCES couriers (id),
  market_id                 text NOT NULL,
  status                    text NOT NULL
                            CHECK (status IN ('PENDING', 'ACCEPTED', 'DECLINED', 'EXPIRED',
                                              'WITHDRAWN')),
  distance_to_market_meters bigint NOT NULL,
  eta_seconds               int NOT NULL,
  made_by                   text NOT NULL,  -- the matcher instance (lease holder)
  created_at                timestamptz NOT NULL DEFAULT now(),
  expires_at                timestamptz NOT NULL,
  resolved_at               timestamptz,
  decline_reason            text,
  decline_note              text,
  withdraw_reason           text
);
CREATE UNIQUE INDEX offers_one_pending_per_job ON offers (job_id) WHERE status = 'PENDING';
CREATE UNIQUE INDEX offers_one_pending_per_courier ON offers (courier_id) WHERE status = 'PENDING';
CREATE INDEX offers_pending_expiry ON offers (expires_at) WHERE status = 'PENDING';
CREATE INDEX offers_by_courier ON offers (courier_id, created_at DESC);
CREATE INDEX offers_by_created ON offers (created_at);

-- Every courier/job assignment; released_at set when the courier lost the job before delivery.
CREATE TABLE assignments (
  id             bigserial PRIMARY KEY,
  job_id         text NOT NULL REFERENCES jobs (id),
  courier_id     uuid NOT NULL REFERENCES couriers (id),
  market_id      text NOT NULL,
  assigned_at    timestamptz NOT NULL DEFAULT now(),
  latency_ms     bigint NOT NULL,  -- job created -> this assignment
  first          boolean NOT NULL,
  released_at    timestamptz,
  release_reason text
);
CREATE INDEX assignments_by_job ON assignments (job_id, assigned_at DESC);
CREATE INDEX assignments_by_time ON assignments (assigned_at);

-- Idempotency of mutations: (principal subject, rpc, request_id) -> the stored response.
CREATE TABLE idempotency_keys (
  subject    text NOT NULL,
  rpc        text NOT NULL,
  request_id text NOT NULL,
  request    bytea NOT NULL,
  response   bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subject, rpc, request_id)
);
