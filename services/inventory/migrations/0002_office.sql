-- Round 2, the office's side: markets carry their kecamatan and village and the number of
-- tickets in a row a stall may let expire before it is paused; stalls carry why they are paused
-- and their count of tickets expired in a row; products may name a staple (commodity) with the
-- thousandths of its standard unit in one sale unit.
ALTER TABLE markets
  ADD COLUMN kecamatan text NOT NULL DEFAULT '',
  ADD COLUMN village text NOT NULL DEFAULT '',
  ADD COLUMN auto_pause_after_expired_tickets integer NOT NULL DEFAULT 0
    CHECK (auto_pause_after_expired_tickets BETWEEN 0 AND 100);

ALTER TABLE stalls
  ADD COLUMN pause smallint NOT NULL DEFAULT 0,  -- pasar.inventory.v1.StallPause
  ADD COLUMN expired_in_a_row integer NOT NULL DEFAULT 0 CHECK (expired_in_a_row >= 0);

ALTER TABLE products
  ADD COLUMN commodity smallint NOT NULL DEFAULT 0,  -- pasar.common.v1.Commodity
  ADD COLUMN standard_unit_milli integer NOT NULL DEFAULT 0
    CHECK (standard_unit_milli BETWEEN 0 AND 1000000),
  ADD CONSTRAINT products_commodity_unit CHECK ((commodity = 0) = (standard_unit_milli = 0));

-- p.* was expanded when the view was made: make it again to include the new columns.
DROP VIEW product_view;
CREATE VIEW product_view AS
SELECT p.*, s.name AS stall_name, s.open AS stall_open,
       (p.active AND p.stock > 0 AND s.open) AS available
FROM products p JOIN stalls s ON s.id = p.stall_id;
