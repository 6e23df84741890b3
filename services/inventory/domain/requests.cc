#include "domain/requests.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "domain/catalog.h"
#include "domain/schedule.h"
#include "domain/validation.h"
#include "pasar/ids/ids.h"

namespace pasar::inventory {
namespace {

std::string At(std::string_view field, int i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

absl::Status CheckCategory(const std::string& field, int category, bool required) {
  if (!pb::Category_IsValid(category)) return request::Invalid(field, "unknown category");
  if (required && category == pb::CATEGORY_UNSPECIFIED)
    return request::Invalid(field, "is required");
  return absl::OkStatus();
}

absl::Status CheckStock(const std::string& field, int64_t stock) {
  return request::CheckRange(field, stock, 0, kMaxStock);
}

absl::Status CheckLocation(const std::string& field, bool present,
                           const pasar::common::v1::LatLng& p) {
  if (!present) return request::Invalid(field, "is required");
  return CheckLatLng(field, p.lat(), p.lng());
}

absl::Status CheckHours(const std::string& field, const pb::OpeningHours& hours) {
  std::vector<DayHours> flat;
  for (const pb::OpeningInterval& iv : hours.intervals()) {
    flat.push_back({static_cast<int>(iv.weekday()), iv.open_minute(), iv.close_minute()});
  }
  return ValidateHours(field + ".intervals", flat);
}

absl::Status CheckFeeScheme(const std::string& field, bool present, const pb::FeeScheme& f) {
  if (!present) return request::Invalid(field, "is required");
  if (f.kind() == pb::FEE_KIND_UNSPECIFIED || !pb::FeeKind_IsValid(f.kind())) {
    return request::Invalid(field + ".kind", "is required (FLAT, PER_KM or BASE_PLUS_PER_KM)");
  }
  if (f.road_factor_permille() != 0) {
    if (absl::Status s =
            request::CheckRange(field + ".road_factor_permille", f.road_factor_permille(),
                                kMinRoadFactorPermille, kMaxRoadFactorPermille);
        !s.ok()) {
      return s;
    }
  }
  return request::FirstError(
      {request::CheckRange(field + ".flat_fee_idr", f.flat_fee_idr(), 0, kMaxFeeIdr),
       request::CheckRange(field + ".per_km_idr", f.per_km_idr(), 0, kMaxFeeIdr),
       request::CheckRange(field + ".base_fee_idr", f.base_fee_idr(), 0, kMaxFeeIdr),
       request::CheckRange(field + ".base_meters", f.base_meters(), 0, kMaxBaseMeters)});
}

// 0 means "the default" for the two timeouts.
absl::Status CheckTimeout(const std::string& field, int64_t v, int64_t min, int64_t max) {
  if (v == 0) return absl::OkStatus();
  return request::CheckRange(field, v, min, max);
}

absl::Status CheckMarketValues(const std::string& p, const pb::Market& m) {
  return request::FirstError(
      {CheckName(p + "name", m.name()),
       CheckLocation(p + "location", m.has_location(), m.location()),
       request::CheckOptionalText(p + "address", m.address(), kMaxAddressChars),
       m.time_zone().empty() ? absl::OkStatus() : CheckTimeZone(p + "time_zone", m.time_zone()),
       CheckHours(p + "opening_hours", m.opening_hours()),
       CheckFeeScheme(p + "fee_scheme", m.has_fee_scheme(), m.fee_scheme()),
       request::CheckRange(p + "service_fee_idr", m.service_fee_idr(), 0, kMaxFeeIdr),
       request::CheckRange(p + "max_delivery_distance_meters", m.max_delivery_distance_meters(),
                           kMinDeliveryMeters, kMaxDeliveryMeters),
       request::CheckRange(p + "weighed_tolerance_percent", m.weighed_tolerance_percent(), 0,
                           kMaxTolerancePercent),
       CheckTimeout(p + "trader_response_timeout_seconds", m.trader_response_timeout_seconds(),
                    kMinTraderTimeoutSeconds, kMaxTraderTimeoutSeconds),
       CheckTimeout(p + "dispatch_timeout_seconds", m.dispatch_timeout_seconds(),
                    kMinDispatchTimeoutSeconds, kMaxDispatchTimeoutSeconds)});
}

}  // namespace

absl::Status ValidatePageSize(int page_size) {
  return request::PageSize(page_size).status();
}

int EffectivePageSize(int page_size) {
  return request::PageSize(page_size).value_or(kDefaultPageSize);
}

absl::Status Validate(const pb::ListMarketsRequest& r) {
  return ValidatePageSize(r.page_size());
}

absl::Status Validate(const pb::GetMarketRequest& r) {
  return request::CheckUuid("market_id", r.market_id());
}

absl::Status Validate(const pb::ListStallsRequest& r) {
  return request::FirstError({request::CheckUuid("market_id", r.market_id()),
                              CheckCategory("category", r.category(), false),
                              ValidatePageSize(r.page_size())});
}

absl::Status Validate(const pb::GetStallRequest& r) {
  return request::CheckUuid("stall_id", r.stall_id());
}

absl::Status Validate(const pb::ListProductsRequest& r) {
  return request::FirstError(
      {request::CheckUuid("market_id", r.market_id()),
       r.stall_id().empty() ? absl::OkStatus() : request::CheckUuid("stall_id", r.stall_id()),
       CheckCategory("category", r.category(), false),
       // Blank text is no filter (the search box was left empty).
       request::CheckOptionalText("query", NormalizeQuery(r.query()), kMaxQueryChars),
       ValidatePageSize(r.page_size())});
}

absl::Status Validate(const pb::GetProductRequest& r) {
  return request::CheckUuid("product_id", r.product_id());
}

absl::Status Validate(const pb::BatchGetProductsRequest& r) {
  if (r.product_ids().empty())
    return request::Invalid("product_ids", "at least one id is required");
  if (r.product_ids_size() > kMaxBatchIds) {
    return request::Invalid("product_ids", "at most " + std::to_string(kMaxBatchIds) + " ids");
  }
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < r.product_ids_size(); ++i) {
    const std::string field = At("product_ids", i);
    if (absl::Status s = request::CheckUuid(field, r.product_ids(i)); !s.ok()) return s;
    if (!seen.insert(r.product_ids(i)).second) return request::Invalid(field, "duplicate id");
  }
  return absl::OkStatus();
}

absl::Status Validate(const pb::UpdateStallRequest& r) {
  return request::FirstError(
      {request::CheckRequestId(r.request_id()), request::CheckUuid("stall_id", r.stall_id()),
       r.has_preparation_minutes()
           ? request::CheckRange("preparation_minutes", r.preparation_minutes(), 0,
                                 kMaxPreparationMinutes)
           : absl::OkStatus(),
       r.has_name() ? CheckName("name", r.name()) : absl::OkStatus()});
}

absl::Status Validate(const pb::CreateProductRequest& r) {
  return request::FirstError(
      {request::CheckRequestId(r.request_id()), request::CheckUuid("stall_id", r.stall_id()),
       CheckName("name", r.name()), CheckCategory("category", r.category(), true),
       request::CheckText("unit", r.unit(), kMaxUnitChars), CheckPrice("price_idr", r.price_idr()),
       CheckStock("stock", r.stock())});
}

absl::Status Validate(const pb::UpdateProductRequest& r) {
  if (absl::Status s = request::FirstError({request::CheckRequestId(r.request_id()),
                                            request::CheckUuid("product_id", r.product_id())});
      !s.ok()) {
    return s;
  }
  if (!r.has_name() && !r.has_category() && !r.has_unit() && !r.has_price_idr() &&
      !r.has_weighed() && !r.has_active()) {
    return request::Invalid("update", "at least one field to change is required");
  }
  return request::FirstError(
      {r.has_name() ? CheckName("name", r.name()) : absl::OkStatus(),
       r.has_category() ? CheckCategory("category", r.category(), true) : absl::OkStatus(),
       r.has_unit() ? request::CheckText("unit", r.unit(), kMaxUnitChars) : absl::OkStatus(),
       r.has_price_idr() ? CheckPrice("price_idr", r.price_idr()) : absl::OkStatus()});
}

absl::Status Validate(const pb::AdjustStockRequest& r) {
  if (absl::Status s = request::FirstError({request::CheckRequestId(r.request_id()),
                                            request::CheckUuid("product_id", r.product_id())});
      !s.ok()) {
    return s;
  }
  if (r.delta() == 0) return request::Invalid("delta", "must not be 0");
  if (r.delta() < -kMaxStock || r.delta() > kMaxStock) {
    return request::Invalid(
        "delta", "must be in -" + std::to_string(kMaxStock) + ".." + std::to_string(kMaxStock));
  }
  if (r.reason() == pb::STOCK_ADJUSTMENT_REASON_UNSPECIFIED ||
      !pb::StockAdjustmentReason_IsValid(r.reason())) {
    return request::Invalid("reason", "is required");
  }
  // The contract gives four reasons a direction: goods arriving or coming back add stock,
  // spoiled or sold-offline goods remove it.
  switch (r.reason()) {
    case pb::STOCK_ADJUSTMENT_REASON_RESTOCK:
    case pb::STOCK_ADJUSTMENT_REASON_RETURNED:
      if (r.delta() < 0) {
        return request::Invalid("delta",
                                "must be > 0 for " + pb::StockAdjustmentReason_Name(r.reason()));
      }
      break;
    case pb::STOCK_ADJUSTMENT_REASON_SPOILAGE:
    case pb::STOCK_ADJUSTMENT_REASON_SOLD_OFFLINE:
      if (r.delta() > 0) {
        return request::Invalid("delta",
                                "must be < 0 for " + pb::StockAdjustmentReason_Name(r.reason()));
      }
      break;
    default:
      break;
  }
  return request::CheckOptionalText("note", r.note(), kMaxNoteChars);
}

absl::Status Validate(const pb::SetStockRequest& r) {
  return request::FirstError({request::CheckRequestId(r.request_id()),
                              request::CheckUuid("product_id", r.product_id()),
                              CheckStock("stock", r.stock()),
                              request::CheckOptionalText("note", r.note(), kMaxNoteChars)});
}

absl::Status Validate(const pb::CreateMarketRequest& r) {
  if (absl::Status s = request::CheckRequestId(r.request_id()); !s.ok()) return s;
  if (!r.has_market()) return request::Invalid("market", "is required");
  return CheckMarketValues("market.", r.market());
}

absl::Status Validate(const pb::UpdateMarketRequest& r) {
  if (absl::Status s = request::FirstError({request::CheckRequestId(r.request_id()),
                                            request::CheckUuid("market_id", r.market_id())});
      !s.ok()) {
    return s;
  }
  if (!r.has_name() && !r.has_location() && !r.has_address() && !r.has_time_zone() &&
      !r.has_opening_hours() && !r.has_fee_scheme() && !r.has_service_fee_idr() &&
      !r.has_max_delivery_distance_meters() && !r.has_weighed_tolerance_percent() &&
      !r.has_trader_response_timeout_seconds() && !r.has_dispatch_timeout_seconds()) {
    return request::Invalid("update", "at least one field to change is required");
  }
  auto when = [](bool present, absl::Status s) { return present ? s : absl::OkStatus(); };
  return request::FirstError(
      {when(r.has_name(), CheckName("name", r.name())),
       when(r.has_location(), CheckLocation("location", true, r.location())),
       when(r.has_address(), request::CheckOptionalText("address", r.address(), kMaxAddressChars)),
       when(r.has_time_zone(), CheckTimeZone("time_zone", r.time_zone())),
       when(r.has_opening_hours(), CheckHours("opening_hours", r.opening_hours())),
       when(r.has_fee_scheme(), CheckFeeScheme("fee_scheme", true, r.fee_scheme())),
       when(r.has_service_fee_idr(),
            request::CheckRange("service_fee_idr", r.service_fee_idr(), 0, kMaxFeeIdr)),
       when(r.has_max_delivery_distance_meters(),
            request::CheckRange("max_delivery_distance_meters", r.max_delivery_distance_meters(),
                                kMinDeliveryMeters, kMaxDeliveryMeters)),
       when(r.has_weighed_tolerance_percent(),
            request::CheckRange("weighed_tolerance_percent", r.weighed_tolerance_percent(), 0,
                                kMaxTolerancePercent)),
       when(r.has_trader_response_timeout_seconds(),
            request::CheckRange("trader_response_timeout_seconds",
                                r.trader_response_timeout_seconds(), kMinTraderTimeoutSeconds,
                                kMaxTraderTimeoutSeconds)),
       when(r.has_dispatch_timeout_seconds(),
            request::CheckRange("dispatch_timeout_seconds", r.dispatch_timeout_seconds(),
                                kMinDispatchTimeoutSeconds, kMaxDispatchTimeoutSeconds))});
}

absl::Status Validate(const pb::CreateStallRequest& r) {
  return request::FirstError(
      {request::CheckRequestId(r.request_id()), request::CheckUuid("market_id", r.market_id()),
       request::CheckText("trader_subject", r.trader_subject(), kMaxSubjectChars),
       CheckName("name", r.name()), CheckCategory("category", r.category(), true),
       request::CheckRange("preparation_minutes", r.preparation_minutes(), 0,
                           kMaxPreparationMinutes)});
}

absl::Status Validate(const pb::ReserveStockRequest& r) {
  if (absl::Status s = request::FirstError(
          {request::CheckRequestId(r.request_id()), request::CheckUuid("market_id", r.market_id()),
           request::CheckOptionalText("order_id", r.order_id(), kMaxSubjectChars),
           r.ttl_seconds() == 0
               ? absl::OkStatus()
               : request::CheckRange("ttl_seconds", r.ttl_seconds(), kMinReservationTtlSeconds,
                                     kMaxReservationTtlSeconds)});
      !s.ok()) {
    return s;
  }
  if (r.lines().empty()) return request::Invalid("lines", "at least one line is required");
  if (r.lines_size() > kMaxReservationLines) {
    return request::Invalid("lines", "at most " + std::to_string(kMaxReservationLines) + " lines");
  }
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < r.lines_size(); ++i) {
    const std::string at = At("lines", i);
    if (absl::Status s =
            request::FirstError({request::CheckUuid(at + ".product_id", r.lines(i).product_id()),
                                 CheckQuantity(at + ".quantity", r.lines(i).quantity())});
        !s.ok()) {
      return s;
    }
    if (!seen.insert(r.lines(i).product_id()).second) {
      return request::Invalid(at + ".product_id", "product given more than once");
    }
  }
  return absl::OkStatus();
}

absl::Status Validate(const pb::CommitReservationRequest& r) {
  if (absl::Status s =
          request::FirstError({request::CheckRequestId(r.request_id()),
                               request::CheckUuid("reservation_id", r.reservation_id())});
      !s.ok()) {
    return s;
  }
  if (r.lines_size() > kMaxReservationLines) {
    return request::Invalid("lines", "at most " + std::to_string(kMaxReservationLines) + " lines");
  }
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < r.lines_size(); ++i) {
    const std::string at = At("lines", i);
    if (absl::Status s = request::FirstError(
            {request::CheckUuid(at + ".product_id", r.lines(i).product_id()),
             request::CheckRange(at + ".final_quantity", r.lines(i).final_quantity(), 0,
                                 kMaxReserveQuantity)});
        !s.ok()) {
      return s;
    }
    if (!seen.insert(r.lines(i).product_id()).second) {
      return request::Invalid(at + ".product_id", "product given more than once");
    }
  }
  return absl::OkStatus();
}

absl::Status Validate(const pb::ReleaseReservationRequest& r) {
  return request::FirstError({request::CheckRequestId(r.request_id()),
                              request::CheckUuid("reservation_id", r.reservation_id()),
                              request::CheckOptionalText("reason", r.reason(), kMaxNoteChars)});
}

absl::Status Validate(const pb::GetReservationRequest& r) {
  return request::CheckUuid("reservation_id", r.reservation_id());
}

pb::Market WithDefaults(pb::Market m) {
  m.clear_id();
  m.clear_open_now();
  m.clear_created_at();
  m.clear_updated_at();
  if (m.time_zone().empty()) m.set_time_zone(std::string(kDefaultTimeZone));
  if (m.fee_scheme().road_factor_permille() == 0) {
    m.mutable_fee_scheme()->set_road_factor_permille(kDefaultRoadFactorPermille);
  }
  if (m.trader_response_timeout_seconds() == 0) {
    m.set_trader_response_timeout_seconds(kDefaultTraderTimeoutSeconds);
  }
  if (m.dispatch_timeout_seconds() == 0)
    m.set_dispatch_timeout_seconds(kDefaultDispatchTimeoutSeconds);
  return m;
}

pb::Market ApplyUpdate(pb::Market m, const pb::UpdateMarketRequest& r) {
  if (r.has_name()) m.set_name(r.name());
  if (r.has_location()) *m.mutable_location() = r.location();
  if (r.has_address()) m.set_address(r.address());
  if (r.has_time_zone()) m.set_time_zone(r.time_zone());
  if (r.has_opening_hours()) *m.mutable_opening_hours() = r.opening_hours();
  if (r.has_fee_scheme()) {
    *m.mutable_fee_scheme() = r.fee_scheme();
    if (m.fee_scheme().road_factor_permille() == 0) {
      m.mutable_fee_scheme()->set_road_factor_permille(kDefaultRoadFactorPermille);
    }
  }
  if (r.has_service_fee_idr()) m.set_service_fee_idr(r.service_fee_idr());
  if (r.has_max_delivery_distance_meters()) {
    m.set_max_delivery_distance_meters(r.max_delivery_distance_meters());
  }
  if (r.has_weighed_tolerance_percent())
    m.set_weighed_tolerance_percent(r.weighed_tolerance_percent());
  if (r.has_trader_response_timeout_seconds()) {
    m.set_trader_response_timeout_seconds(r.trader_response_timeout_seconds());
  }
  if (r.has_dispatch_timeout_seconds())
    m.set_dispatch_timeout_seconds(r.dispatch_timeout_seconds());
  return m;
}

}  // namespace pasar::inventory
