-- When the door stays shut (README, "Failed deliveries and returns"): attempts at the drop-off,
-- the failed delivery, the goods' way back to the stalls or the market office, the operators'
-- resolutions and each market's policy.
ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
  CHECK (status IN ('PENDING', 'OFFERED', 'ASSIGNED', 'PICKING_UP', 'DELIVERING', 'DELIVERED',
                    'CANCELLED', 'FAILED', 'RETURNING', 'RETURNED'));

-- Where a stop's goods went back after a failed delivery, when, and the trader's refund.
ALTER TABLE job_stops
  ADD COLUMN returned_to  text CHECK (returned_to IN ('STALL', 'MARKET_OFFICE')),
  ADD COLUMN returned_at  timestamptz,
  ADD COLUMN refunded_idr bigint CHECK (refunded_idr >= 0);

-- Every attempt a courier reported at a drop-off.
CREATE TABLE delivery_attempts (
  job_id          text NOT NULL REFERENCES jobs (id),
  attempt         int NOT NULL CHECK (attempt > 0),
  courier_id      uuid NOT NULL REFERENCES couriers (id),
  outcome         text NOT NULL,
  lat             double precision NOT NULL,
  lng             double precision NOT NULL,
  distance_meters bigint NOT NULL CHECK (distance_meters >= 0),
  note            text NOT NULL DEFAULT '',
  reported_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, attempt)
);

-- The audit of operators' resolutions (ResolveDelivery): who, what, why.
CREATE TABLE delivery_resolutions (
  id               bigserial PRIMARY KEY,
  job_id           text NOT NULL REFERENCES jobs (id),
  action           text NOT NULL
                   CHECK (action IN ('DECLARE_FAILED', 'RECEIVE_AT_OFFICE', 'MARK_DELIVERED')),
  operator_subject text NOT NULL,
  reason           text NOT NULL,
  resolved_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX delivery_resolutions_by_job ON delivery_resolutions (job_id);

-- A market's failed-delivery policy; no row: the service's defaults.
CREATE TABLE market_failure_policy (
  market_id             text PRIMARY KEY,
  wait_minutes          int NOT NULL CHECK (wait_minutes BETWEEN 0 AND 120),
  min_attempts          int NOT NULL CHECK (min_attempts BETWEEN 1 AND 10),
  arrival_radius_meters int NOT NULL CHECK (arrival_radius_meters BETWEEN 10 AND 5000),
  failure_fee_idr       bigint NOT NULL CHECK (failure_fee_idr >= 0),
  updated_at            timestamptz NOT NULL DEFAULT now()
);

-- When a delivery failed and the failure fee the market's policy charged (the courier's
-- statement: the rest of the delivery fee is the platform's compensation).
ALTER TABLE jobs
  ADD COLUMN failed_at       timestamptz,
  ADD COLUMN failure_fee_idr bigint CHECK (failure_fee_idr >= 0);
CREATE INDEX jobs_by_failed ON jobs (courier_id, failed_at) WHERE failed_at IS NOT NULL;

-- Courier statements: the cash declared when the shift started and counted when it ended.
ALTER TABLE courier_shifts
  ADD COLUMN start_cash_idr   bigint CHECK (start_cash_idr >= 0),
  ADD COLUMN counted_cash_idr bigint CHECK (counted_cash_idr >= 0),
  ADD COLUMN counted_at       timestamptz;
