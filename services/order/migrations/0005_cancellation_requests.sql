-- A cancellation asked for once the order was CONFIRMED is a request that dispatch settles
-- (domain::Cancellation): the latest one per order.
ALTER TABLE orders
  ADD COLUMN cancellation_id uuid,
  ADD COLUMN cancellation_state text
    CHECK (cancellation_state IN ('REQUESTED', 'ACCEPTED', 'REFUSED')),
  ADD COLUMN cancellation_reason text CHECK (cancellation_reason IN ('CUSTOMER', 'OPERATOR')),
  ADD COLUMN cancellation_note text,
  ADD COLUMN cancellation_requested_at timestamptz,
  ADD COLUMN cancellation_settled_at timestamptz,
  ADD COLUMN cancellation_refusal text,
  ADD CONSTRAINT orders_cancellation_complete CHECK (
    (cancellation_id IS NULL) = (cancellation_state IS NULL) AND
    (cancellation_id IS NULL) = (cancellation_reason IS NULL) AND
    (cancellation_id IS NULL) = (cancellation_requested_at IS NULL));
