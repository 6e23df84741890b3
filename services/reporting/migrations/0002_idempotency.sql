-- SetReferencePrice is idempotent on its request_id (docs/conventions.md, "Idempotency"): the
-- key, the request's fingerprint and the response, stored in the transaction of the change.
CREATE TABLE idempotency (
  subject text NOT NULL,
  rpc text NOT NULL,
  request_id text NOT NULL,
  fingerprint text NOT NULL,
  response bytea,  -- NULL while the claiming transaction runs
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subject, rpc, request_id)
);
CREATE INDEX idempotency_by_age ON idempotency (created_at);
