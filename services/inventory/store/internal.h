// What the inventory store's files share (store/*.cc; not for use outside store/): the column
// lists of the queries that build one message, the typed readers of those rows (by column name),
// and the stock ledger helpers every stock movement goes through.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/timestamp.pb.h>

#include "absl/time/time.h"
#include "domain/reservation.h"
#include "domain/schedule.h"
#include "pasar/events/v1/events.pb.h"
#include "pasar/inventory/v1/inventory.pb.h"
#include "pasar/pg/pg.h"

namespace pasar::inventory::store_internal {

namespace pb = ::pasar::inventory::v1;

// Column lists shared by the queries that build one message, read by MarketFromRow & co. by
// name (times as microseconds since the epoch: *_us).
#define PASAR_INV_MARKET_COLUMNS                                                          \
  "id::text, name, lat, lng, address, time_zone, opening_hours::text AS opening_hours, "  \
  "fee_kind, flat_fee_idr, per_km_idr, base_fee_idr, base_meters, road_factor_permille, " \
  "service_fee_idr, max_delivery_distance_meters, weighed_tolerance_percent, "            \
  "trader_response_timeout_seconds, dispatch_timeout_seconds, "                           \
  "(extract(epoch FROM created_at) * 1000000)::bigint AS created_us, "                    \
  "(extract(epoch FROM updated_at) * 1000000)::bigint AS updated_us"
#define PASAR_INV_STALL_COLUMNS                                                            \
  "id::text, market_id::text, trader_subject, name, category, open, preparation_minutes, " \
  "(extract(epoch FROM created_at) * 1000000)::bigint AS created_us, "                     \
  "(extract(epoch FROM updated_at) * 1000000)::bigint AS updated_us"
#define PASAR_INV_PRODUCT_COLUMNS                                                         \
  "id::text, stall_id::text, market_id::text, name, category, unit, price_idr, weighed, " \
  "active, stock, held, available, stall_name, "                                          \
  "(extract(epoch FROM created_at) * 1000000)::bigint AS created_us, "                    \
  "(extract(epoch FROM updated_at) * 1000000)::bigint AS updated_us"
#define PASAR_INV_RESERVATION_COLUMNS                                  \
  "id::text, order_id, market_id::text, state, "                       \
  "(extract(epoch FROM expires_at) * 1000000)::bigint AS expires_us, " \
  "(extract(epoch FROM created_at) * 1000000)::bigint AS created_us, " \
  "(extract(epoch FROM updated_at) * 1000000)::bigint AS updated_us, " \
  "expires_at <= now() AS past_expiry"

google::protobuf::Timestamp Micros(int64_t us);

// The opening hours as stored ("{1,0,600,2,0,600}") and as a market carries them.
std::vector<DayHours> ParseHours(std::string_view text);
std::vector<int64_t> FlatHours(const pb::Market& m);
// Whether the market is open at `t` in its own time zone.
bool OpenAt(const pb::Market& m, absl::Time t);

pb::Market MarketFromRow(const pg::Row& r);
pb::Stall StallFromRow(const pg::Row& r);
pb::Product ProductFromRow(const pg::Row& r);
pb::Reservation ReservationFromRow(const pg::Row& r);  // without its lines
void AddLine(const pg::Row& r, pb::Reservation& v);    // one row of reservation_lines

ReservationState StateOf(const pb::Reservation& v);

// The market (markets.cc), in the caller's transaction; nullopt when it does not exist.
std::optional<pb::Market> ReadMarket(pg::Transaction& tx, std::string_view id);
// The product as the catalog shows it (products.cc), in the caller's transaction.
pb::Product ReadProduct(pg::Transaction& tx, std::string_view id);

// The stock ledger (ledger.cc): a row per movement of a product's counters, and the movement.
void Ledger(pg::Transaction& tx, std::string_view product_id, LedgerReason reason,
            std::string_view detail, std::string_view actor,
            const std::optional<std::string>& reservation_id, const StockDelta& d);
void Move(pg::Transaction& tx, std::string_view product_id, const StockDelta& d);
// A reservation event in the outbox (stream events.inventory), in the caller's transaction.
void AppendEvent(pg::Transaction& tx, const pb::Reservation& v, events::v1::Envelope envelope);

}  // namespace pasar::inventory::store_internal
