-- Stock holds PlaceOrder may have left in inventory: a ReserveStock call whose outcome stayed
-- unknown even after one replay (inventory out of reach). The compensation worker replays the
-- identical request (inventory refuses a different request under the same key) until inventory
-- answers, and releases the reservation if it is still HELD (consumers/compensation_worker.h).
CREATE TABLE reservation_compensations (
  request_id      text PRIMARY KEY,                  -- inventory idempotency key of the call
  order_id        uuid NOT NULL,                     -- for logs; the order was never placed
  request         bytea NOT NULL,                    -- serialized inventory ReserveStockRequest
  attempts        integer NOT NULL DEFAULT 0,        -- replays by the worker so far
  next_attempt_at timestamptz NOT NULL DEFAULT now(),  -- persisted timer (capped backoff)
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reservation_compensations_due ON reservation_compensations (next_attempt_at);
