-- Test migration: unqualified names land in the migrated schema (search_path).
CREATE TABLE items (
  id bigserial PRIMARY KEY,
  name text NOT NULL
);
