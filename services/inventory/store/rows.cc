// Rows -> the contract's messages, by column name (the column lists are in internal.h).
#include <google/protobuf/util/time_util.h>

#include "store/internal.h"

namespace pasar::inventory::store_internal {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp Micros(int64_t us) {
  return TimeUtil::MicrosecondsToTimestamp(us);
}

// "{1,0,600,2,0,600}" -> intervals.
std::vector<DayHours> ParseHours(std::string_view text) {
  std::vector<int> values;
  int current = 0;
  bool negative = false, in_number = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      current = current * 10 + (c - '0');
      in_number = true;
    } else if (c == '-') {
      negative = true;
    } else if (in_number) {
      values.push_back(negative ? -current : current);
      current = 0;
      negative = in_number = false;
    }
  }
  std::vector<DayHours> hours;
  for (size_t i = 0; i + 2 < values.size(); i += 3) {
    hours.push_back({values[i], values[i + 1], values[i + 2]});
  }
  return hours;
}

std::vector<DayHours> HoursOf(const pb::Market& m) {
  std::vector<DayHours> hours;
  for (const pb::OpeningInterval& iv : m.opening_hours().intervals()) {
    hours.push_back({static_cast<int>(iv.weekday()), iv.open_minute(), iv.close_minute()});
  }
  return hours;
}

std::vector<int64_t> FlatHours(const pb::Market& m) {
  std::vector<int64_t> flat;
  for (const DayHours& h : HoursOf(m)) {
    flat.insert(flat.end(), {h.weekday, h.open_minute, h.close_minute});
  }
  return flat;
}

bool OpenAt(const pb::Market& m, absl::Time t) {
  const std::optional<absl::TimeZone> zone = LoadZone(m.time_zone());
  return zone && IsOpen(HoursOf(m), *zone, t);
}

pb::Market MarketFromRow(const pg::Row& r) {
  pb::Market m;
  m.set_id(r.Str("id"));
  m.set_name(r.Str("name"));
  m.mutable_location()->set_lat(r.Double("lat"));
  m.mutable_location()->set_lng(r.Double("lng"));
  m.set_address(r.Str("address"));
  m.set_time_zone(r.Str("time_zone"));
  for (const DayHours& h : ParseHours(r.Text("opening_hours"))) {
    pb::OpeningInterval* iv = m.mutable_opening_hours()->add_intervals();
    iv->set_weekday(static_cast<pb::Weekday>(h.weekday));
    iv->set_open_minute(h.open_minute);
    iv->set_close_minute(h.close_minute);
  }
  pb::FeeScheme* fee = m.mutable_fee_scheme();
  fee->set_kind(static_cast<pb::FeeKind>(r.Int("fee_kind")));
  fee->set_flat_fee_idr(r.Int("flat_fee_idr"));
  fee->set_per_km_idr(r.Int("per_km_idr"));
  fee->set_base_fee_idr(r.Int("base_fee_idr"));
  fee->set_base_meters(r.Int("base_meters"));
  fee->set_road_factor_permille(static_cast<int32_t>(r.Int("road_factor_permille")));
  m.set_service_fee_idr(r.Int("service_fee_idr"));
  m.set_max_delivery_distance_meters(r.Int("max_delivery_distance_meters"));
  m.set_weighed_tolerance_percent(static_cast<int32_t>(r.Int("weighed_tolerance_percent")));
  m.set_trader_response_timeout_seconds(
      static_cast<int32_t>(r.Int("trader_response_timeout_seconds")));
  m.set_dispatch_timeout_seconds(static_cast<int32_t>(r.Int("dispatch_timeout_seconds")));
  *m.mutable_created_at() = Micros(r.Int("created_us"));
  *m.mutable_updated_at() = Micros(r.Int("updated_us"));
  m.set_open_now(OpenAt(m, absl::Now()));
  return m;
}

pb::Stall StallFromRow(const pg::Row& r) {
  pb::Stall s;
  s.set_id(r.Str("id"));
  s.set_market_id(r.Str("market_id"));
  s.set_trader_subject(r.Str("trader_subject"));
  s.set_name(r.Str("name"));
  s.set_category(static_cast<pb::Category>(r.Int("category")));
  s.set_open(r.Bool("open"));
  s.set_preparation_minutes(static_cast<int32_t>(r.Int("preparation_minutes")));
  *s.mutable_created_at() = Micros(r.Int("created_us"));
  *s.mutable_updated_at() = Micros(r.Int("updated_us"));
  return s;
}

pb::Product ProductFromRow(const pg::Row& r) {
  pb::Product p;
  p.set_id(r.Str("id"));
  p.set_stall_id(r.Str("stall_id"));
  p.set_market_id(r.Str("market_id"));
  p.set_name(r.Str("name"));
  p.set_category(static_cast<pb::Category>(r.Int("category")));
  p.set_unit(r.Str("unit"));
  p.set_price_idr(r.Int("price_idr"));
  p.set_weighed(r.Bool("weighed"));
  p.set_active(r.Bool("active"));
  p.set_stock(r.Int("stock"));
  p.set_reserved(r.Int("held"));
  p.set_available(r.Bool("available"));
  p.set_stall_name(r.Str("stall_name"));
  *p.mutable_created_at() = Micros(r.Int("created_us"));
  *p.mutable_updated_at() = Micros(r.Int("updated_us"));
  return p;
}

pb::Reservation ReservationFromRow(const pg::Row& r) {
  pb::Reservation v;
  v.set_reservation_id(r.Str("id"));
  v.set_order_id(r.Str("order_id"));
  v.set_market_id(r.Str("market_id"));
  const std::optional<ReservationState> state = ParseState(r.Text("state"));
  v.set_state(static_cast<pb::ReservationState>(static_cast<int>(*state) + 1));
  *v.mutable_expires_at() = Micros(r.Int("expires_us"));
  *v.mutable_created_at() = Micros(r.Int("created_us"));
  *v.mutable_updated_at() = Micros(r.Int("updated_us"));
  return v;
}

void AddLine(const pg::Row& r, pb::Reservation& v) {
  pb::ReservationLine* l = v.add_lines();
  l->set_product_id(r.Str("product_id"));
  l->set_stall_id(r.Str("stall_id"));
  l->set_stall_name(r.Str("stall_name"));
  l->set_name(r.Str("name"));
  l->set_unit(r.Str("unit"));
  l->set_weighed(r.Bool("weighed"));
  l->set_quantity(r.Int("quantity"));
  l->set_price_idr(r.Int("price_idr"));
  l->set_committed_quantity(r.Int("committed_quantity"));
  l->set_preparation_minutes(static_cast<int32_t>(r.Int("preparation_minutes")));
}

ReservationState StateOf(const pb::Reservation& v) {
  return static_cast<ReservationState>(static_cast<int>(v.state()) - 1);
}

}  // namespace pasar::inventory::store_internal
