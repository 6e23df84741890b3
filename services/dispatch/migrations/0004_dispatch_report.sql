-- The dispatch report (GetDispatchReport) and the matching policy per market.
-- Every shift of a courier, written with the courier's row (store/couriers.cc, SaveCourier): a
-- shift starts when StartShift restarts the clock and ends at EndShift (or at the next start).
CREATE TABLE courier_shifts (
  id         bigserial PRIMARY KEY,
  courier_id uuid NOT NULL REFERENCES couriers (id),
  started_at timestamptz NOT NULL,
  ended_at   timestamptz
);
CREATE INDEX courier_shifts_open ON courier_shifts (courier_id) WHERE ended_at IS NULL;
CREATE INDEX courier_shifts_by_time ON courier_shifts (started_at);
-- Couriers on shift when this table appeared: their shift so far.
INSERT INTO courier_shifts (courier_id, started_at)
  SELECT id, shift_started_at FROM couriers WHERE shift_started_at IS NOT NULL;

-- A market's matching policy ('EXACT' or 'GREEDY'); no row: the service's default.
CREATE TABLE market_dispatch (
  market_id  text PRIMARY KEY,
  policy     text NOT NULL CHECK (policy IN ('EXACT', 'GREEDY')),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The report's reads by time.
CREATE INDEX assignments_by_released ON assignments (released_at) WHERE released_at IS NOT NULL;
CREATE INDEX jobs_by_delivered ON jobs (delivered_at) WHERE delivered_at IS NOT NULL;
