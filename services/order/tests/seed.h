// Test support: orders written straight through the store (as PlaceOrder would after a
// successful reservation), for tests that do not need the inventory service.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "app/changes.h"
#include "app/ids.h"
#include "domain/order.h"
#include "pasar/events/events.h"
#include "pasar/pg/migrate.h"
#include "pasar/pg/pg.h"
#include "store/migrations.h"
#include "store/order_store.h"

namespace pasar::order::testing {

struct SeedLine {
  int64_t quantity = 1;
  int64_t price_idr = 1000;
  bool weighed = false;
};

struct SeedStall {
  std::string stall_id = RandomUuid();
  std::vector<SeedLine> lines = {SeedLine{}};
  absl::Duration decide_within = absl::Minutes(5);
};

inline void MigrateAll(pg::Pool& pool) {
  pg::Migrate(pool, "orders", "events", events::Migrations());
  pg::Migrate(pool, "orders", "order", Migrations());
}

// A PLACED order of `customer` with one ticket per stall, committed with its OrderPlaced event.
inline domain::Order SeedOrder(pg::Pool& pool, const std::string& customer,
                               const std::vector<SeedStall>& stalls,
                               int32_t tolerance_percent = 10) {
  const absl::Time now = absl::Now();
  domain::Order o;
  o.id = RandomUuid();
  o.customer = customer;
  o.market_id = RandomUuid();
  o.market_name = "Pasar Baru";
  o.market_location = {-8.1335, 113.2248};
  o.drop_off = {-8.12, 113.23};
  o.distance_meters = 2000;
  o.delivery_pin = RandomDigits(4);
  o.reservation_id = RandomUuid();
  o.weighed_tolerance_percent = tolerance_percent;
  o.dispatch_timeout_seconds = 900;
  o.created_at = o.updated_at = now;
  o.totals.delivery_fee_idr = 8000;
  o.totals.service_fee_idr = 1000;
  int position = 0;
  for (const SeedStall& s : stalls) {
    domain::Ticket t;
    t.id = RandomUuid();
    t.position = position++;
    t.stall_id = s.stall_id;
    t.stall_name = "Stall " + s.stall_id.substr(0, 4);
    t.pickup_code = RandomDigits(4);
    t.decide_by = now + s.decide_within;
    t.created_at = now;
    for (const SeedLine& sl : s.lines) {
      domain::Line l;
      l.product_id = RandomUuid();
      l.name = "produk";
      l.unit = sl.weighed ? "kg" : "ikat";
      l.weighed = sl.weighed;
      l.ordered_quantity = sl.quantity;
      l.price_idr = sl.price_idr;
      l.final_quantity = sl.quantity;
      l.line_total_idr = sl.quantity * sl.price_idr;
      t.total_idr += l.line_total_idr;
      t.lines.push_back(l);
    }
    o.totals.goods_total_idr += t.total_idr;
    o.tickets.push_back(t);
  }
  pg::Transaction tx(pool, "seed_order");
  store::InsertOrder(tx, o, "seed-" + o.id, "seed");
  RecordPlaced(tx, o, now);
  tx.Commit();
  return o;
}

}  // namespace pasar::order::testing
