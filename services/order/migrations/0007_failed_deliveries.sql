-- When the door stays shut (README, "Failed deliveries and returns"): the order's failed
-- delivery and its returned tickets, the courier's attempts seen by the customer, and the
-- ledger entries of who bears what (domain/ledger.h).
ALTER TABLE orders DROP CONSTRAINT orders_status_check,
  ADD CONSTRAINT orders_status_check CHECK (status IN ('PLACED', 'CONFIRMED', 'COURIER_ASSIGNED',
    'PICKED_UP', 'DELIVERED', 'CANCELLED', 'DELIVERY_FAILED', 'RETURNED')),
  ADD COLUMN delivery_attempts integer NOT NULL DEFAULT 0 CHECK (delivery_attempts >= 0),
  ADD COLUMN last_attempt_outcome text NOT NULL DEFAULT '',
  ADD COLUMN delivery_failed_at timestamptz;

ALTER TABLE tickets DROP CONSTRAINT tickets_status_check,
  ADD CONSTRAINT tickets_status_check CHECK (status IN ('PENDING', 'ACCEPTED', 'READY',
    'PICKED_UP', 'REJECTED', 'EXPIRED', 'CANCELLED', 'RETURNED', 'AT_MARKET_OFFICE'));

ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check,
  ADD CONSTRAINT ledger_entries_kind_check CHECK (kind IN ('TRADER_PAID', 'CUSTOMER_PAID',
    'SERVICE_FEE', 'PROGRAMME_BENEFIT', 'FAILURE_FEE', 'FAILURE_COMPENSATION', 'GOODS_RETURNED',
    'GOODS_AT_OFFICE'));
