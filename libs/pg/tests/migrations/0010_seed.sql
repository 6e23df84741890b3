-- Not idempotent on purpose: applied twice, it would leave two rows.
INSERT INTO items (name, price_idr) VALUES ('seed', 1500);
