#include "api/order_api.h"

#include <algorithm>
#include <map>
#include <set>

#include "api/changes.h"
#include "api/common.h"
#include "api/convert.h"
#include "api/ids.h"
#include "api/programme_api.h"
#include "pasar/geo/geo.h"
#include "pasar/rpc/server.h"
#include "store/order_store.h"

namespace pasar::order {
namespace {

namespace d = domain;
using auth::Role;

constexpr int kMaxLines = 100;
constexpr int64_t kMaxQuantity = 1'000'000;
constexpr int kMaxStatusFilters = 6;
constexpr absl::Duration kDefaultTraderTimeout = absl::Seconds(300);
constexpr absl::Duration kDefaultDispatchTimeout = absl::Seconds(900);
constexpr int kSnapshotPage = 50;

grpc::Status Refuse(grpc::ServerContext* ctx, std::string_view reason, std::string_view msg) {
  return rpc::Refuse(ctx, grpc::StatusCode::FAILED_PRECONDITION, reason, msg);
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

bool Final(d::OrderState s) {
  return d::IsFinal(s);
}

}  // namespace

grpc::Status ValidateCart(const std::string& market_id,
                          const google::protobuf::RepeatedPtrField<v1::CartLine>& lines,
                          const pasar::common::v1::LatLng* drop_off, bool has_drop_off) {
  if (auto s = CheckUuid("market_id", market_id); !s.ok()) return s;
  if (lines.empty()) return rpc::InvalidArgument("lines", "at least one line is required");
  if (lines.size() > kMaxLines) return rpc::InvalidArgument("lines", "at most 100 lines");
  std::set<std::string> seen;
  for (int i = 0; i < lines.size(); ++i) {
    const std::string path = "lines[" + std::to_string(i) + "]";
    if (auto s = CheckUuid(path + ".product_id", lines[i].product_id()); !s.ok()) return s;
    if (!seen.insert(lines[i].product_id()).second) {
      return rpc::InvalidArgument(path + ".product_id", "product appears twice in the cart");
    }
    if (lines[i].quantity() < 1 || lines[i].quantity() > kMaxQuantity) {
      return rpc::InvalidArgument(path + ".quantity", "must be 1..1000000");
    }
  }
  if (!has_drop_off) return rpc::InvalidArgument("drop_off", "required");
  const geo::LatLng p{drop_off->lat(), drop_off->lng()};
  if (!geo::Valid(p)) return rpc::InvalidArgument("drop_off", "lat must be -90..90, lng -180..180");
  if (p.lat == 0 && p.lng == 0) return rpc::InvalidArgument("drop_off", "required");
  return grpc::Status::OK;
}

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

OrderApi::OrderApi(pg::Pool& pool, InventoryClient& inventory, const auth::Verifier& verifier,
                   LiveHub& live, const Settings& settings, std::function<bool()> shutting_down)
    : pool_(pool),
      inventory_(inventory),
      verifier_(verifier),
      live_(live),
      settings_(settings),
      holds_(inventory, settings.compensation_deadline),
      shutting_down_(std::move(shutting_down)) {}

InventoryClient::Deadline OrderApi::InventoryDeadline(grpc::ServerContext* ctx) const {
  return std::min(
      rpc::EffectiveDeadline(ctx),
      std::chrono::system_clock::now() + absl::ToChronoMilliseconds(settings_.inventory_deadline));
}

grpc::Status OrderApi::MarketAndDelivery(grpc::ServerContext* ctx, const std::string& market_id,
                                         const pasar::common::v1::LatLng& drop_off,
                                         inv::Market* market, d::FeeScheme* scheme,
                                         int64_t* distance_m, int64_t* delivery_fee_idr) {
  const Upstream u = inventory_.GetMarket(market_id, InventoryDeadline(ctx), market);
  if (!u.ok()) return InventoryClient::Forward(ctx, u, "market");
  if (!market->open_now()) {
    return Refuse(ctx, "MARKET_CLOSED", market->name() + " is not open now");
  }
  *scheme = FeeSchemeOf(*market);
  const geo::LatLng from{market->location().lat(), market->location().lng()};
  const geo::LatLng to{drop_off.lat(), drop_off.lng()};
  *distance_m = d::RoadDistanceMeters(from, to, scheme->road_factor_permille);
  const std::optional<int64_t> fee = d::DeliveryFee(*scheme, *distance_m);
  if (!fee) {
    return Refuse(ctx, "OUT_OF_RANGE",
                  "the drop-off is " + std::to_string(*distance_m) +
                      " m by road from the market, beyond its maximum of " +
                      std::to_string(scheme->max_distance_m) + " m");
  }
  *delivery_fee_idr = *fee;
  return grpc::Status::OK;
}

grpc::Status OrderApi::QuoteOrder(grpc::ServerContext* ctx, const v1::QuoteOrderRequest* req,
                                  v1::QuoteOrderResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kCustomer});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    if (auto s =
            ValidateCart(req->market_id(), req->lines(), &req->drop_off(), req->has_drop_off());
        !s.ok()) {
      return s;
    }
    inv::Market market;
    d::FeeScheme scheme;
    int64_t distance = 0, delivery_fee = 0;
    if (auto s = MarketAndDelivery(ctx, req->market_id(), req->drop_off(), &market, &scheme,
                                   &distance, &delivery_fee);
        !s.ok()) {
      return s;
    }
    std::vector<std::string> ids;
    for (const auto& l : req->lines())
      ids.push_back(l.product_id());
    inv::BatchGetProductsResponse products;
    const Upstream u = inventory_.BatchGetProducts(ids, InventoryDeadline(ctx), &products);
    if (!u.ok()) return InventoryClient::Forward(ctx, u, "products");
    std::map<std::string, const inv::Product*> by_id;
    for (const auto& p : products.products())
      by_id[p.id()] = &p;

    std::vector<std::string> unavailable, mixed, short_lines, closed_stalls;
    for (const auto& l : req->lines()) {
      const auto it = by_id.find(l.product_id());
      if (it == by_id.end() || !it->second->active()) {
        unavailable.push_back(l.product_id());
      } else if (it->second->market_id() != req->market_id()) {
        mixed.push_back(l.product_id());
      } else if (it->second->stock() < l.quantity()) {
        short_lines.push_back(l.product_id() + " (requested " + std::to_string(l.quantity()) +
                              ", available " + std::to_string(it->second->stock()) + ")");
      }
    }
    if (!unavailable.empty()) return Refuse(ctx, "PRODUCT_UNAVAILABLE", Join(unavailable));
    if (!mixed.empty()) return Refuse(ctx, "MIXED_MARKETS", Join(mixed));
    if (!short_lines.empty()) return Refuse(ctx, "INSUFFICIENT_STOCK", Join(short_lines));

    // One stall look-up per distinct stall: open flag and preparation minutes.
    std::vector<d::PricedLine> priced;
    std::map<std::string, inv::Stall> stalls;
    for (const auto& l : req->lines()) {
      const inv::Product& p = *by_id[l.product_id()];
      if (!stalls.contains(p.stall_id())) {
        inv::Stall stall;
        const Upstream su = inventory_.GetStall(p.stall_id(), InventoryDeadline(ctx), &stall);
        if (!su.ok()) return InventoryClient::Forward(ctx, su, "stall");
        if (!stall.open()) closed_stalls.push_back(stall.id());
        stalls.emplace(p.stall_id(), std::move(stall));
      }
      priced.push_back({p.id(), p.stall_id(), l.quantity(), p.price_idr()});
      v1::QuotedLine* q = resp->add_lines();
      q->set_product_id(p.id());
      q->set_stall_id(p.stall_id());
      q->set_name(p.name());
      q->set_unit(p.unit());
      q->set_weighed(p.weighed());
      q->set_quantity(l.quantity());
      q->set_price_idr(p.price_idr());
      q->set_line_total_idr(l.quantity() * p.price_idr());
    }
    if (!closed_stalls.empty()) return Refuse(ctx, "STALL_CLOSED", Join(closed_stalls));

    const geo::LatLng from{market.location().lat(), market.location().lng()};
    const geo::LatLng to{req->drop_off().lat(), req->drop_off().lng()};
    const d::Quote quote = d::PriceCart(scheme, priced, from, to);
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
        QuoteBenefits(tx, who->subject,
                      {req->market_id(), absl::Now(), quote.totals.goods_total_idr,
                       quote.totals.delivery_fee_idr, quote.road_distance_m, quote.stalls, false});
    for (const v1::BenefitCheck& c : benefits.checks)
      *resp->add_programmes() = c;
    resp->set_benefit_idr(benefits.applied ? benefits.applied->amount_idr() : 0);
    resp->set_amount_due_idr(resp->total_idr() - resp->benefit_idr());
    return grpc::Status::OK;
  });
}

grpc::Status OrderApi::PlaceOrder(grpc::ServerContext* ctx, const v1::PlaceOrderRequest* req,
                                  v1::PlaceOrderResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kCustomer});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    if (auto s = CheckRequestId(req->request_id()); !s.ok()) return s;
    if (auto s =
            ValidateCart(req->market_id(), req->lines(), &req->drop_off(), req->has_drop_off());
        !s.ok()) {
      return s;
    }
    if (auto s = CheckText("drop_off_address", req->drop_off_address()); !s.ok()) return s;
    if (auto s = CheckText("drop_off_note", req->drop_off_note()); !s.ok()) return s;
    return Place(ctx, *who, *req, resp);
  });
}

grpc::Status OrderApi::Reserve(grpc::ServerContext* ctx, const std::string& order_id, int attempt,
                               const v1::PlaceOrderRequest& req, absl::Duration ttl,
                               inv::Reservation* out) {
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
  const Upstream u = inventory_.ReserveStock(r, InventoryDeadline(ctx), &rr);
  if (!u.ok()) {
    // The client still gets the error (and its retry reserves under the next attempt's key).
    if (InventoryClient::OutcomeUnknown(u)) ReleaseUnknownHold(r);
    return InventoryClient::Forward(ctx, u, "reservation");
  }
  if (rr.reservation().state() != inv::RESERVATION_STATE_HELD) {
    return grpc::Status(grpc::StatusCode::ABORTED, "stock reservation not held; retry");
  }
  *out = std::move(*rr.mutable_reservation());
  return grpc::Status::OK;
}

void OrderApi::ReleaseUnknownHold(const inv::ReserveStockRequest& request) {
  // The request may have reached inventory and held stock under an id nobody here learnt, so
  // nothing else would ever release it. Asking once more under the same request id finds out
  // (HoldReleaser::ReplayAndRelease); the order was never placed, so a HELD answer is released.
  rpc::Log("warn", "compensation: reserve outcome unknown, asking inventory again",
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
      rpc::Log("warn", "compensation: inventory unreachable, persisted for retry",
               {{"correlation_id", request.order_id()}, {"request_id", request.request_id()}});
    }
  } catch (const std::exception& e) {
    // PostgreSQL is failing too: a hold, if there is one, expires by its TTL in inventory
    // (stock is never lost, only unavailable until then).
    rpc::Log("error", "compensation: could not be persisted, any hold left to expire",
             {{"correlation_id", request.order_id()},
              {"request_id", request.request_id()},
              {"error", e.what()}});
  }
}

grpc::Status OrderApi::Place(grpc::ServerContext* ctx, const auth::Principal& who,
                             const v1::PlaceOrderRequest& req, v1::PlaceOrderResponse* resp) {
  const std::string hash = RequestHash(req);
  const std::string order_id = DeriveOrderId(who.subject, req.request_id());

  // One transaction for the whole placement. Counting the attempt takes its row lock first:
  // duplicates of this request wait there for the first one, then find its order.
  pg::Transaction tx(pool_, "place_order");
  const int attempt = store::NextPlaceAttempt(tx, order_id);
  // A replay answers from the database without touching inventory.
  if (const auto placed = store::FindPlacedRequest(tx, who.subject, req.request_id())) {
    if (placed->request_hash != hash) return KeyReused(ctx);
    const auto order = store::LoadOrder(tx, placed->order_id, false);
    if (!order) return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
    ToProto(*order, Viewer::Customer(), resp->mutable_order());
    return grpc::Status::OK;
  }

  inv::Market market;
  d::FeeScheme scheme;
  int64_t distance = 0, delivery_fee = 0;
  if (auto s = MarketAndDelivery(ctx, req.market_id(), req.drop_off(), &market, &scheme, &distance,
                                 &delivery_fee);
      !s.ok()) {
    return s;
  }
  const d::PlacementDeadlines deadlines =
      d::PlaceDeadlines(settings_.trader_response_override > absl::ZeroDuration()
                            ? settings_.trader_response_override
                            : (market.trader_response_timeout_seconds() > 0
                                   ? absl::Seconds(market.trader_response_timeout_seconds())
                                   : kDefaultTraderTimeout),
                        settings_.reservation_ttl);
  const absl::Duration dispatch_timeout =
      settings_.dispatch_timeout_override > absl::ZeroDuration()
          ? settings_.dispatch_timeout_override
          : (market.dispatch_timeout_seconds() > 0
                 ? absl::Seconds(market.dispatch_timeout_seconds())
                 : kDefaultDispatchTimeout);

  inv::Reservation reservation;
  const absl::Duration ttl = deadlines.reservation_ttl;
  if (auto s = Reserve(ctx, order_id, attempt, req, ttl, &reservation); !s.ok()) {
    // The inventory key of this attempt may be spent (a hold no longer HELD, an unknown
    // outcome): the count is kept, so a retry reserves under the next one.
    tx.Commit();
    return s;
  }

  try {
    const absl::Time now = absl::Now();
    d::Order o;
    o.id = order_id;
    o.customer = who.subject;
    o.market_id = market.id();
    o.market_name = market.name();
    o.market_location = {market.location().lat(), market.location().lng()};
    o.drop_off = {req.drop_off().lat(), req.drop_off().lng()};
    o.drop_off_address = req.drop_off_address();
    o.drop_off_note = req.drop_off_note();
    o.distance_meters = distance;
    o.delivery_pin = RandomDigits(4);
    o.reservation_id = reservation.reservation_id();
    o.weighed_tolerance_percent = market.weighed_tolerance_percent();
    o.dispatch_timeout_seconds = static_cast<int32_t>(absl::ToInt64Seconds(dispatch_timeout));
    o.created_at = o.updated_at = now;
    // One ticket per stall, in order of first appearance; prices from the reservation snapshot.
    std::vector<d::PricedLine> priced;
    for (const inv::ReservationLine& rl : reservation.lines()) {
      d::Ticket* t = nullptr;
      for (d::Ticket& existing : o.tickets) {
        if (existing.stall_id == rl.stall_id()) t = &existing;
      }
      if (t == nullptr) {
        d::Ticket nt;
        nt.id = RandomUuid();
        nt.position = static_cast<int>(o.tickets.size());
        nt.stall_id = rl.stall_id();
        nt.stall_name = rl.stall_name();
        nt.pickup_code = RandomDigits(4);
        nt.decide_by = now + deadlines.trader_timeout;
        nt.created_at = now;
        o.tickets.push_back(std::move(nt));
        t = &o.tickets.back();
      }
      d::Line l;
      l.product_id = rl.product_id();
      l.name = rl.name();
      l.unit = rl.unit();
      l.weighed = rl.weighed();
      l.ordered_quantity = rl.quantity();
      l.price_idr = rl.price_idr();
      l.final_quantity = rl.quantity();
      l.line_total_idr = rl.quantity() * rl.price_idr();
      t->total_idr += l.line_total_idr;
      t->lines.push_back(std::move(l));
      priced.push_back({rl.product_id(), rl.stall_id(), rl.quantity(), rl.price_idr()});
    }
    const d::Quote quote = d::PriceCart(scheme, priced, o.market_location, o.drop_off);
    o.totals = quote.totals;
    o.totals.delivery_fee_idr = delivery_fee;

    // A programme's benefit, held in this transaction (budget and caps exact under row locks).
    const BenefitChecks benefits =
        HoldOrderBenefit(tx, who.subject, o.id,
                         {o.market_id, now, o.totals.goods_total_idr, o.totals.delivery_fee_idr,
                          distance, quote.stalls, false});
    for (const v1::BenefitCheck& c : benefits.checks)
      *resp->add_programmes() = c;
    o.benefit = benefits.applied;
    if (req.require_benefit() && !o.benefit) {
      // The customer asked for no order without a benefit: nothing but the attempt count is
      // kept, and the stock goes back.
      tx.Rollback();
      pg::Transaction count(pool_, "place_order_count");
      store::NextPlaceAttempt(count, order_id);
      count.Commit();
      holds_.Release(reservation.reservation_id(), "order not placed: no programme benefit");
      resp->clear_programmes();
      std::string why = "no programme gives this order a benefit";
      for (const v1::BenefitCheck& c : benefits.checks)
        why += "; " + c.programme_name() + ": " + c.explanation();
      return Refuse(ctx, "NO_BENEFIT", why);
    }

    store::InsertOrder(tx, o, req.request_id(), hash);
    RecordPlaced(tx, o, now);
    tx.Commit();
    rpc::Log("info", "order placed",
             {{"correlation_id", o.id}, {"reservation_id", o.reservation_id}});
    ToProto(o, Viewer::Customer(), resp->mutable_order());
    return grpc::Status::OK;
  } catch (...) {
    // Compensation: nothing of the order was committed (unless the commit's outcome is unknown,
    // which the check below settles), so the stock goes back.
    try {
      tx.Rollback();
    } catch (...) {
      // A broken connection rolls back by itself.
    }
    bool committed = false;
    try {
      // Counting the spent attempt again (its count went with the rollback) keeps a later
      // attempt off this hold's key, and waits on the count's row lock for a duplicate that
      // came in meanwhile, under the same key, so placed its order on this very hold.
      pg::Transaction check(pool_, "place_order_check");
      store::NextPlaceAttempt(check, order_id);
      const bool found = store::FindPlacedRequest(check, who.subject, req.request_id()).has_value();
      check.Commit();
      committed = found;
    } catch (...) {
      committed = true;  // unknown: leave the hold to expire rather than release a live order
    }
    if (!committed) {
      holds_.Release(reservation.reservation_id(), "order not placed: internal error");
    }
    throw;
  }
}

grpc::Status OrderApi::GetOrder(grpc::ServerContext* ctx, const v1::GetOrderRequest* req,
                                v1::GetOrderResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kCustomer, Role::kOperator});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    if (auto s = CheckUuid("order_id", req->order_id()); !s.ok()) return s;
    pg::Transaction tx(pool_, "get_order");
    const auto order = store::LoadOrder(tx, req->order_id(), false);
    if (!order) return rpc::NotFound("order");
    if (who->role == Role::kCustomer) {
      if (order->customer != who->subject) return rpc::NotFound("order");
      ToProto(*order, Viewer::Customer(), resp->mutable_order());
    } else {
      ToProto(*order, Viewer::Operator(), resp->mutable_order());
    }
    return grpc::Status::OK;
  });
}

grpc::Status OrderApi::ListOrders(grpc::ServerContext* ctx, const v1::ListOrdersRequest* req,
                                  v1::ListOrdersResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kCustomer, Role::kOperator});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    if (req->statuses_size() > kMaxStatusFilters) {
      return rpc::InvalidArgument("statuses", "at most 6");
    }
    std::vector<std::string> statuses;
    for (int i = 0; i < req->statuses_size(); ++i) {
      const auto s = FromProto(static_cast<v1::OrderStatus>(req->statuses(i)));
      if (!s) return rpc::InvalidArgument("statuses[" + std::to_string(i) + "]", "unknown status");
      statuses.emplace_back(d::Name(*s));
    }
    const bool customer = who->role == Role::kCustomer;
    if (!customer && !req->market_id().empty()) {
      if (auto s = CheckUuid("market_id", req->market_id()); !s.ok()) return s;
    }
    int limit = 0;
    if (auto s = PageSize(req->page_size(), &limit); !s.ok()) return s;
    std::optional<store::Cursor> after;
    if (auto s = DecodePageToken(req->page_token(), &after); !s.ok()) return s;

    pg::Transaction tx(pool_, "list_orders");
    const auto ids =
        store::ListOrderIds(tx, customer ? who->subject : "", customer ? "" : req->market_id(),
                            statuses, after, limit + 1);
    for (size_t i = 0; i < ids.size() && static_cast<int>(i) < limit; ++i) {
      const auto order = store::LoadOrder(tx, ids[i].first, false);
      if (!order) continue;
      ToProto(*order, customer ? Viewer::Customer() : Viewer::Operator(), resp->add_orders());
    }
    if (static_cast<int>(ids.size()) > limit) {
      resp->set_next_page_token(EncodePageToken(ids[static_cast<size_t>(limit) - 1].second));
    }
    return grpc::Status::OK;
  });
}

grpc::Status OrderApi::CancelOrder(grpc::ServerContext* ctx, const v1::CancelOrderRequest* req,
                                   v1::CancelOrderResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    // Customers cancel their own orders; an operator may intervene on any order.
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kCustomer, Role::kOperator});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    if (auto s = CheckRequestId(req->request_id()); !s.ok()) return s;
    if (auto s = CheckUuid("order_id", req->order_id()); !s.ok()) return s;
    if (auto s = CheckText("reason", req->reason()); !s.ok()) return s;
    const bool customer = who->role == Role::kCustomer;
    const std::string hash = RequestHash(*req);
    return pg::WithTransaction(pool_, "cancel_order", [&](pg::Transaction& tx) -> grpc::Status {
      auto order = store::LoadOrder(tx, req->order_id(), true);
      // A foreign order is NOT_FOUND to a customer, so its existence is not disclosed.
      if (!order || (customer && order->customer != who->subject)) {
        return rpc::NotFound("order");
      }
      if (auto s = Replay(tx, ctx, who->subject, "CancelOrder", req->request_id(), hash, resp)) {
        return *s;
      }
      const absl::Time now = absl::Now();
      const d::OrderState previous = order->status;
      const d::Outcome out = customer ? d::CustomerCancel(*order, req->reason(), RandomUuid(), now)
                                      : d::OperatorCancel(*order, req->reason(), RandomUuid(), now);
      if (!out.ok()) return InvalidTransition(ctx, out.message);
      if (out.changed()) RecordChanges(tx, *order, out.changes, {previous, now});
      ToProto(*order, customer ? Viewer::Customer() : Viewer::Operator(), resp->mutable_order());
      store::StoreResponse(tx, who->subject, "CancelOrder", req->request_id(), hash,
                           resp->SerializeAsString());
      tx.Commit();
      if (out.changed()) {
        const bool requested = order->status != d::OrderState::kCancelled;
        rpc::Log("info",
                 requested  ? (customer ? "cancellation requested by the customer"
                                        : "cancellation requested by an operator")
                 : customer ? "order cancelled by the customer"
                            : "order cancelled by an operator",
                 {{"correlation_id", order->id}});
      }
      return grpc::Status::OK;
    });
  });
}

grpc::Status OrderApi::WatchOrder(grpc::ServerContext* ctx, const v1::WatchOrderRequest* req,
                                  grpc::ServerWriter<v1::WatchOrderResponse>* writer) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kCustomer});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    if (auto s = CheckUuid("order_id", req->order_id()); !s.ok()) return s;
    rpc::StreamSlot slot(ctx, who->subject);
    if (!slot.ok()) return slot.status();
    // Registered before the first read, so no change between the read and the wait is missed.
    LiveHub::Watch watch(live_, req->order_id());

    v1::WatchOrderResponse msg;
    {
      pg::Transaction tx(pool_, "watch_order");
      const auto order = store::LoadOrder(tx, req->order_id(), false);
      if (!order || order->customer != who->subject) return rpc::NotFound("order");
      ToProto(*order, Viewer::Customer(), msg.mutable_order());
    }
    int64_t sent = msg.order().version();
    if (!writer->Write(msg)) return grpc::Status::OK;
    if (Final(*FromProto(msg.order().status()))) return grpc::Status::OK;

    absl::Time last_read = absl::Now();
    while (!ctx->IsCancelled()) {
      if (shutting_down_()) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down; reconnect");
      }
      // Wake at least every second to notice cancellation; read on a hint or the backstop.
      const bool hinted = watch.Wait(std::min(settings_.watch_backstop, absl::Seconds(1)));
      if (!hinted && absl::Now() - last_read < settings_.watch_backstop) continue;
      last_read = absl::Now();
      // Every version after the last one sent, oldest first, in pages until none is left.
      for (;;) {
        const std::vector<store::Snapshot> page =
            store::SnapshotsAfter(pool_, req->order_id(), sent, kSnapshotPage);
        for (const store::Snapshot& snap : page) {
          v1::WatchOrderResponse next;
          if (!next.mutable_order()->ParseFromString(snap.bytes)) {
            return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
          }
          if (!writer->Write(next)) return grpc::Status::OK;
          sent = snap.version;
          if (Final(*FromProto(next.order().status()))) return grpc::Status::OK;
        }
        if (static_cast<int>(page.size()) < kSnapshotPage) break;
      }
    }
    return grpc::Status::OK;
  });
}

}  // namespace pasar::order
