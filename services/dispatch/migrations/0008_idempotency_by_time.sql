-- Idempotency keys are purged once older than PASAR_RETENTION_HOURS (store::PurgeKeys, run by
-- the service's service::Purger); this index finds them without scanning the whole table.
CREATE INDEX idempotency_keys_by_time ON idempotency_keys (created_at);
