-- Operators may cancel any order (CancelOrder by role operator): its cancel reason is OPERATOR.
ALTER TABLE orders DROP CONSTRAINT orders_cancel_reason_check,
  ADD CONSTRAINT orders_cancel_reason_check CHECK (cancel_reason IN ('CUSTOMER', 'ALL_REJECTED',
    'TRADER_TIMEOUT', 'NO_COURIER', 'RESERVATION_EXPIRED', 'OPERATOR'));
