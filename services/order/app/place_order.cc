#include "app/place_order.h"

#include <algorithm>
#include <map>

#include "app/changes.h"
#include "app/convert.h"
#include "app/ids.h"
#include "app/programmes.h"
#include "domain/placement.h"
#include "pasar/geo/geo.h"
#include "pasar/log/log.h"
#include "pasar/request/idempotency.h"
#include "pasar/request/status.h"
#include "store/order_store.h"

namespace pasar::order {
namespace {

namespace d = domain;

constexpr absl::Duration kDefaultTraderTimeout = absl::Seconds(300);
constexpr absl::Duration kDefaultDispatchTimeout = absl::Seconds(900);

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

// Every product of the cart available in its market with enough stock: the refusal otherwise.
absl::Status CheckProducts(const v1::QuoteOrderRequest& req,
                           const std::map<std::string, const inv::Product*>& by_id) {
  std::vector<std::string> unavailable, mixed, short_lines;
  for (const auto& l : req.lines()) {
    const auto it = by_id.find(l.product_id());
    if (it == by_id.end() || !it->second->active()) {
      unavailable.push_back(l.product_id());
    } else if (it->second->market_id() != req.market_id()) {
      mixed.push_back(l.product_id());
    } else if (it->second->stock() < l.quantity()) {
      short_lines.push_back(l.product_id() + " (requested " + std::to_string(l.quantity()) +
                            ", available " + std::to_string(it->second->stock()) + ")");
    }
  }
  if (!unavailable.empty()) return request::Refused("PRODUCT_UNAVAILABLE", Join(unavailable));
  if (!mixed.empty()) return request::Refused("MIXED_MARKETS", Join(mixed));
  if (!short_lines.empty()) return request::Refused("INSUFFICIENT_STOCK", Join(short_lines));
  return absl::OkStatus();
}

void AddQuotedLine(const inv::Product& p, int64_t quantity, v1::QuoteOrderResponse* resp) {
  v1::QuotedLine* q = resp->add_lines();
  q->set_product_id(p.id());
  q->set_stall_id(p.stall_id());
  q->set_name(p.name());
  q->set_unit(p.unit());
  q->set_weighed(p.weighed());
  q->set_quantity(quantity);
  q->set_price_idr(p.price_idr());
  q->set_line_total_idr(quantity * p.price_idr());
}

std::vector<d::HeldLine> HeldLines(const inv::Reservation& reservation) {
  std::vector<d::HeldLine> held;
  for (const inv::ReservationLine& rl : reservation.lines()) {
    held.push_back({rl.product_id(), rl.stall_id(), rl.stall_name(), rl.name(), rl.unit(),
                    rl.weighed(), rl.quantity(), rl.price_idr()});
  }
  return held;
}

}  // namespace

d::FeeScheme FeeSchemeOf(const inv::Market& m) {
  d::FeeScheme s;
  switch (m.fee_scheme().kind()) {
    case inv::FEE_KIND_PER_KM:
      s.kind = d::FeeKind::kPerKm;
      break;
    case inv::FEE_KIND_BASE_PLUS_PER_KM:
      s.kind = d::FeeKind::kBasePlusPerKm;
      break;
    default:
      s.kind = d::FeeKind::kFlat;
      break;
  }
  s.flat_fee_idr = m.fee_scheme().flat_fee_idr();
  s.per_km_idr = m.fee_scheme().per_km_idr();
  s.base_fee_idr = m.fee_scheme().base_fee_idr();
  s.base_distance_m = m.fee_scheme().base_meters();
  s.road_factor_permille = m.fee_scheme().road_factor_permille() > 0
                               ? m.fee_scheme().road_factor_permille()
                               : d::kDefaultRoadFactorPermille;
  s.service_fee_idr = m.service_fee_idr();
  s.max_distance_m = m.max_delivery_distance_meters();
  return s;
}

Placement::Placement(pg::Pool& pool, InventoryClient& inventory, const Settings& settings)
    : pool_(pool),
      inventory_(inventory),
      settings_(settings),
      holds_(inventory, settings.compensation_deadline) {}

InventoryClient::Deadline Placement::InventoryDeadline(Deadline customer) const {
  return std::min(customer, std::chrono::system_clock::now() +
                                absl::ToChronoMilliseconds(settings_.inventory_deadline));
}

absl::Status Placement::MarketAndDelivery(const std::string& market_id,
                                          const pasar::common::v1::LatLng& drop_off,
                                          Deadline deadline, Delivery* out) {
  const Upstream u = inventory_.GetMarket(market_id, InventoryDeadline(deadline), &out->market);
  if (!u.ok()) return InventoryClient::Forward(u, "market");
  if (!out->market.open_now()) {
    return request::Refused("MARKET_CLOSED", out->market.name() + " is not open now");
  }
  out->scheme = FeeSchemeOf(out->market);
  const geo::LatLng from{out->market.location().lat(), out->market.location().lng()};
  const geo::LatLng to{drop_off.lat(), drop_off.lng()};
  out->distance_m = d::RoadDistanceMeters(from, to, out->scheme.road_factor_permille);
  const std::optional<int64_t> fee = d::DeliveryFee(out->scheme, out->distance_m);
  if (!fee) {
    return request::Refused("OUT_OF_RANGE",
                            "the drop-off is " + std::to_string(out->distance_m) +
                                " m by road from the market, beyond its maximum of " +
                                std::to_string(out->scheme.max_distance_m) + " m");
  }
  out->fee_idr = *fee;
  return absl::OkStatus();
}

absl::Status Placement::Quote(const std::string& customer, const v1::QuoteOrderRequest& req,
                              Deadline deadline, v1::QuoteOrderResponse* resp) {
  Delivery delivery;
  if (absl::Status s = MarketAndDelivery(req.market_id(), req.drop_off(), deadline, &delivery);
      !s.ok()) {
    return s;
  }
  std::vector<std::string> ids;
  for (const auto& l : req.lines())
    ids.push_back(l.product_id());
  inv::BatchGetProductsResponse products;
  const Upstream u = inventory_.BatchGetProducts(ids, InventoryDeadline(deadline), &products);
  if (!u.ok()) return InventoryClient::Forward(u, "products");
  std::map<std::string, const inv::Product*> by_id;
  for (const auto& p : products.products())
    by_id[p.id()] = &p;
  if (absl::Status s = CheckProducts(req, by_id); !s.ok()) return s;

  // One stall look-up per distinct stall: open flag and preparation minutes.
  std::vector<d::PricedLine> priced;
  std::map<std::string, inv::Stall> stalls;
  std::vector<std::string> closed_stalls;
  for (const auto& l : req.lines()) {
    const inv::Product& p = *by_id[l.product_id()];
    if (!stalls.contains(p.stall_id())) {
      inv::Stall stall;
      const Upstream su = inventory_.GetStall(p.stall_id(), InventoryDeadline(deadline), &stall);
      if (!su.ok()) return InventoryClient::Forward(su, "stall");
      if (!stall.open()) closed_stalls.push_back(stall.id());
      stalls.emplace(p.stall_id(), std::move(stall));
    }
    priced.push_back({p.id(), p.stall_id(), l.quantity(), p.price_idr()});
    AddQuotedLine(p, l.quantity(), resp);
  }
  if (!closed_stalls.empty()) return request::Refused("STALL_CLOSED", Join(closed_stalls));

  const geo::LatLng from{delivery.market.location().lat(), delivery.market.location().lng()};
  const geo::LatLng to{req.drop_off().lat(), req.drop_off().lng()};
  const d::Quote quote = d::PriceCart(delivery.scheme, priced, from, to);
  for (const d::StallSubtotal& st : quote.stalls) {
    v1::StallSubtotal* out = resp->add_stalls();
    const inv::Stall& stall = stalls.at(st.stall_id);
    out->set_stall_id(st.stall_id);
    out->set_stall_name(stall.name());
    out->set_goods_total_idr(st.goods_total_idr);
    out->set_preparation_minutes(stall.preparation_minutes());
  }
  resp->set_goods_total_idr(quote.totals.goods_total_idr);
  resp->set_delivery_fee_idr(quote.totals.delivery_fee_idr);
  resp->set_service_fee_idr(quote.totals.service_fee_idr);
  resp->set_total_idr(quote.totals.total_idr());
  resp->set_distance_meters(quote.road_distance_m);
  // The regency's programmes: what this cart would get now, and why not.
  pg::Transaction tx(pool_, "quote_benefits");
  const BenefitChecks benefits =
      QuoteBenefits(tx, customer,
                    {req.market_id(), absl::Now(), quote.totals.goods_total_idr,
                     quote.totals.delivery_fee_idr, quote.road_distance_m, quote.stalls, false});
  for (const v1::BenefitCheck& c : benefits.checks)
    *resp->add_programmes() = c;
  resp->set_benefit_idr(benefits.applied ? benefits.applied->amount_idr() : 0);
  resp->set_amount_due_idr(resp->total_idr() - resp->benefit_idr());
  return absl::OkStatus();
}

absl::Status Placement::HoldBenefit(pg::Transaction& tx, const std::string& customer,
                                    const v1::PlaceOrderRequest& req, d::Order& o,
                                    v1::PlaceOrderResponse* resp) {
  std::vector<d::StallSubtotal> stalls;
  for (const d::Ticket& t : o.tickets)
    stalls.push_back({t.stall_id, t.total_idr});
  const BenefitChecks benefits =
      HoldOrderBenefit(tx, customer, o.id,
                       {o.market_id, o.created_at, o.totals.goods_total_idr,
                        o.totals.delivery_fee_idr, o.distance_meters, std::move(stalls), false});
  for (const v1::BenefitCheck& c : benefits.checks)
    *resp->add_programmes() = c;
  o.benefit = benefits.applied;
  if (o.benefit || !req.require_benefit()) return absl::OkStatus();
  // The customer asked for no order without a benefit: nothing but the attempt count is kept,
  // and the stock goes back.
  tx.Rollback();
  pg::Transaction count(pool_, "place_order_count");
  store::NextPlaceAttempt(count, o.id);
  count.Commit();
  holds_.Release(o.reservation_id, "order not placed: no programme benefit");
  std::string why = "no programme gives this order a benefit";
  for (const v1::BenefitCheck& c : resp->programmes())
    why += "; " + c.programme_name() + ": " + c.explanation();
  resp->clear_programmes();
  return request::Refused("NO_BENEFIT", why);
}

absl::Status Placement::Reserve(const std::string& order_id, int attempt,
                                const v1::PlaceOrderRequest& req, absl::Duration ttl,
                                Deadline deadline, inv::Reservation* out) {
  inv::ReserveStockRequest r;
  // The inventory idempotency key: the order id for the first attempt, "<order id>#<n>" after
  // an attempt that failed (and released its reservation), see store::NextPlaceAttempt.
  r.set_request_id(attempt == 0 ? order_id : order_id + "#" + std::to_string(attempt));
  r.set_market_id(req.market_id());
  r.set_order_id(order_id);
  r.set_ttl_seconds(static_cast<int32_t>(absl::ToInt64Seconds(ttl)));
  for (const auto& l : req.lines()) {
    inv::ReserveLine* rl = r.add_lines();
    rl->set_product_id(l.product_id());
    rl->set_quantity(l.quantity());
  }
  inv::ReserveStockResponse rr;
  const Upstream u = inventory_.ReserveStock(r, InventoryDeadline(deadline), &rr);
  if (!u.ok()) {
    // The client still gets the error (and its retry reserves under the next attempt's key).
    if (InventoryClient::OutcomeUnknown(u)) ReleaseUnknownHold(r);
    return InventoryClient::Forward(u, "reservation");
  }
  if (rr.reservation().state() != inv::RESERVATION_STATE_HELD) {
    return absl::AbortedError("stock reservation not held; retry");
  }
  *out = std::move(*rr.mutable_reservation());
  return absl::OkStatus();
}

void Placement::ReleaseUnknownHold(const inv::ReserveStockRequest& request) {
  // The request may have reached inventory and held stock under an id nobody here learnt, so
  // nothing else would ever release it. Asking once more under the same request id finds out
  // (HoldReleaser::ReplayAndRelease); the order was never placed, so a HELD answer is released.
  log::Warn("compensation: reserve outcome unknown, asking inventory again",
            {{"correlation_id", request.order_id()}, {"request_id", request.request_id()}});
  if (holds_.ReplayAndRelease(request, kReserveOutcomeUnknown) != HoldReleaser::Outcome::kUnknown) {
    return;
  }
  // Inventory is still out of reach: the compensation is persisted, and the CompensationWorker
  // replays it until inventory answers, so the stock is not kept from customers until the TTL.
  //
  // It is written in its own statement, not in Place's transaction: that transaction may yet
  // fail to commit (a PostgreSQL fault, a crash before the commit), and the hold must be
  // released even then. The attempt count is lost with such a transaction, so the client's
  // retry reserves under this very key again and may place its order on this hold; the worker
  // therefore takes the attempt's row lock and releases only a hold no order uses.
  try {
    if (store::InsertCompensation(pool_, request.request_id(), request.order_id(),
                                  request.SerializeAsString())) {
      log::Warn("compensation: inventory unreachable, persisted for retry",
                {{"correlation_id", request.order_id()}, {"request_id", request.request_id()}});
    }
  } catch (const std::exception& e) {
    // PostgreSQL is failing too: a hold, if there is one, expires by its TTL in inventory
    // (stock is never lost, only unavailable until then).
    log::Error("compensation: could not be persisted, any hold left to expire",
               {{"correlation_id", request.order_id()},
                {"request_id", request.request_id()},
                {"error", e.what()}});
  }
}

Placement::Timeouts Placement::TimeoutsOf(const inv::Market& market, const Settings& settings) {
  const absl::Duration trader = settings.trader_response_override > absl::ZeroDuration()
                                    ? settings.trader_response_override
                                    : (market.trader_response_timeout_seconds() > 0
                                           ? absl::Seconds(market.trader_response_timeout_seconds())
                                           : kDefaultTraderTimeout);
  const absl::Duration dispatch = settings.dispatch_timeout_override > absl::ZeroDuration()
                                      ? settings.dispatch_timeout_override
                                      : (market.dispatch_timeout_seconds() > 0
                                             ? absl::Seconds(market.dispatch_timeout_seconds())
                                             : kDefaultDispatchTimeout);
  return {d::PlaceDeadlines(trader, settings.reservation_ttl), dispatch};
}

domain::NewOrder Placement::FactsOf(const std::string& order_id, const std::string& customer,
                                    const v1::PlaceOrderRequest& req, const Delivery& delivery,
                                    const inv::Reservation& reservation, const Timeouts& timeouts,
                                    absl::Time now) {
  const inv::Market& market = delivery.market;
  return {.id = order_id,
          .customer = customer,
          .market_id = market.id(),
          .market_name = market.name(),
          .market_location = {market.location().lat(), market.location().lng()},
          .drop_off = {req.drop_off().lat(), req.drop_off().lng()},
          .drop_off_address = req.drop_off_address(),
          .drop_off_note = req.drop_off_note(),
          .distance_meters = delivery.distance_m,
          .delivery_fee_idr = delivery.fee_idr,
          .fee_scheme = delivery.scheme,
          .delivery_pin = RandomDigits(4),
          .reservation_id = reservation.reservation_id(),
          .weighed_tolerance_percent = market.weighed_tolerance_percent(),
          .dispatch_timeout_seconds = static_cast<int32_t>(absl::ToInt64Seconds(timeouts.dispatch)),
          .trader_timeout = timeouts.placement.trader_timeout,
          .now = now};
}

absl::Status Placement::Place(const auth::Principal& who, const v1::PlaceOrderRequest& req,
                              Deadline deadline, v1::PlaceOrderResponse* resp) {
  const std::string fingerprint = request::Fingerprint(req);
  const std::string order_id = DeriveOrderId(who.subject, req.request_id());

  // One transaction for the whole placement. Counting the attempt takes its row lock first:
  // duplicates of this request wait there for the first one, then find its order.
  pg::Transaction tx(pool_, "place_order");
  const int attempt = store::NextPlaceAttempt(tx, order_id);
  // A replay answers from the database without touching inventory.
  if (const auto placed = store::FindPlacedRequest(tx, who.subject, req.request_id())) {
    if (placed->request_hash != fingerprint) return request::KeyReused();
    const auto order = store::LoadOrder(tx, placed->order_id, false);
    if (!order) return absl::InternalError("internal error");
    ToProto(*order, Viewer::Customer(), resp->mutable_order());
    return absl::OkStatus();
  }

  Delivery delivery;
  if (absl::Status s = MarketAndDelivery(req.market_id(), req.drop_off(), deadline, &delivery);
      !s.ok()) {
    return s;
  }
  const Timeouts timeouts = TimeoutsOf(delivery.market, settings_);
  inv::Reservation reservation;
  if (absl::Status s = Reserve(order_id, attempt, req, timeouts.placement.reservation_ttl, deadline,
                               &reservation);
      !s.ok()) {
    // The inventory key of this attempt may be spent (a hold no longer HELD, an unknown
    // outcome): the count is kept, so a retry reserves under the next one.
    tx.Commit();
    return s;
  }

  try {
    const absl::Time now = absl::Now();
    d::Order o = d::AssembleOrder(
        FactsOf(order_id, who.subject, req, delivery, reservation, timeouts, now),
        HeldLines(reservation), [] { return RandomUuid(); }, [] { return RandomDigits(4); });
    if (absl::Status s = HoldBenefit(tx, who.subject, req, o, resp); !s.ok()) return s;
    store::InsertOrder(tx, o, req.request_id(), fingerprint);
    RecordPlaced(tx, o, now);
    tx.Commit();
    log::Info("order placed", {{"correlation_id", o.id}, {"reservation_id", o.reservation_id}});
    ToProto(o, Viewer::Customer(), resp->mutable_order());
    return absl::OkStatus();
  } catch (...) {
    Compensate(tx, order_id, who.subject, req.request_id(), reservation.reservation_id());
    throw;
  }
}

void Placement::Compensate(pg::Transaction& tx, const std::string& order_id,
                           const std::string& customer, const std::string& request_id,
                           const std::string& reservation_id) {
  // Nothing of the order was committed (unless the commit's outcome is unknown, which the check
  // below settles), so the stock goes back.
  try {
    tx.Rollback();
  } catch (...) {
    // A broken connection rolls back by itself.
  }
  bool committed = false;
  try {
    // Counting the spent attempt again (its count went with the rollback) keeps a later attempt
    // off this hold's key, and waits on the count's row lock for a duplicate that came in
    // meanwhile, under the same key, so placed its order on this very hold.
    pg::Transaction check(pool_, "place_order_check");
    store::NextPlaceAttempt(check, order_id);
    const bool found = store::FindPlacedRequest(check, customer, request_id).has_value();
    check.Commit();
    committed = found;
  } catch (...) {
    committed = true;  // unknown: leave the hold to expire rather than release a live order
  }
  if (!committed) holds_.Release(reservation_id, "order not placed: internal error");
}

}  // namespace pasar::order
