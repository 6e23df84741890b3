#include "api/services.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "domain/catalog.h"
#include "domain/refusal.h"
#include "domain/requests.h"
#include "domain/stall_pause.h"
#include "domain/validation.h"
#include "pasar/rpc/server.h"
#include "pasar/rpc/status.h"

namespace pasar::inventory {
namespace {

using auth::Role;

// A store/domain status as the client sees it: refusals carry their ErrorReason.
grpc::Status Answer(grpc::ServerContext* ctx, const absl::Status& s) {
  if (std::optional<std::string> reason = RefusalReason(s)) {
    return rpc::Refuse(ctx, static_cast<grpc::StatusCode>(s.code()), *reason,
                       std::string_view(s.message().data(), s.message().size()));
  }
  return rpc::ToGrpc(s);
}

// The canonical bytes of a request, compared on replays of its request_id.
std::string Fingerprint(const google::protobuf::Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return out;
}

// Answers a replay with the response exactly as stored.
struct AsStored final {
  template <class Resp>
  void operator()(Resp& /*stored*/) const {}
};

// Runs `fill(tx, response)` once per (caller, rpc, request_id) in one transaction with its
// idempotency record; a replay gets the stored response, passed through `on_replay(response)`
// for RPCs whose replay answers the current state of what the first call created.
template <class Req, class Resp, class F, class OnReplay = AsStored>
grpc::Status Mutate(grpc::ServerContext* ctx, Store& store, const auth::Principal& who,
                    std::string_view rpc_name, const Req& req, Resp* resp, F&& fill,
                    OnReplay&& on_replay = OnReplay{}) {
  bool replayed = false;
  absl::StatusOr<std::string> bytes = store.RunIdempotent(
      who.subject, rpc_name, req.request_id(), Fingerprint(req),
      [&](pg::Transaction& tx) -> absl::StatusOr<std::string> {
        Resp fresh;
        if (absl::Status s = fill(tx, fresh); !s.ok()) return s;
        return fresh.SerializeAsString();
      },
      &replayed);
  if (!bytes.ok()) return Answer(ctx, bytes.status());
  if (!resp->ParseFromString(*bytes)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "stored response unreadable");
  }
  if (replayed) on_replay(*resp);
  return grpc::Status::OK;
}

grpc::Status BadPageToken() {
  return rpc::InvalidArgument("page_token", "invalid page token");
}

// Decodes `token` for `scope`: nullopt cursor for the first page; false when malformed.
bool Cursor(const std::string& token, const std::string& scope, std::optional<PageCursor>* out) {
  if (token.empty()) return true;
  *out = DecodePageToken(token, scope);
  return out->has_value();
}

}  // namespace

#define PASAR_INV_AUTH(who, ...)                                                        \
  absl::StatusOr<auth::Principal> who = rpc::Authenticate(ctx, verifier_, __VA_ARGS__); \
  if (!who.ok()) return rpc::ToGrpc(who.status())
#define PASAR_INV_VALIDATE(req)                              \
  if (absl::Status invalid = Validate(req); !invalid.ok()) { \
    return rpc::ToGrpc(invalid);                             \
  }

// ---- CatalogService -----------------------------------------------------------------------------

grpc::Status CatalogApi::ListMarkets(grpc::ServerContext* ctx, const pb::ListMarketsRequest* req,
                                     pb::ListMarketsResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {});
    if (absl::Status s = ValidatePageSize(req->page_size()); !s.ok()) return rpc::ToGrpc(s);
    const std::string scope = "markets";
    std::optional<PageCursor> cursor;
    if (!Cursor(req->page_token(), scope, &cursor)) return BadPageToken();
    const int limit = EffectivePageSize(req->page_size());
    std::vector<pb::Market> markets = store_.ListMarkets(cursor, limit + 1);
    if (static_cast<int>(markets.size()) > limit) {
      markets.resize(limit);
      resp->set_next_page_token(
          EncodePageToken({markets.back().name(), markets.back().id()}, scope));
    }
    for (pb::Market& m : markets)
      *resp->add_markets() = std::move(m);
    return grpc::Status::OK;
  });
}

grpc::Status CatalogApi::GetMarket(grpc::ServerContext* ctx, const pb::GetMarketRequest* req,
                                   pb::GetMarketResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {});
    PASAR_INV_VALIDATE(*req);
    std::optional<pb::Market> m = store_.GetMarket(req->market_id());
    if (!m) return rpc::NotFound("market");
    *resp->mutable_market() = std::move(*m);
    return grpc::Status::OK;
  });
}

grpc::Status CatalogApi::ListStalls(grpc::ServerContext* ctx, const pb::ListStallsRequest* req,
                                    pb::ListStallsResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {});
    PASAR_INV_VALIDATE(*req);
    const std::string scope = "stalls|" + req->market_id() + "|" + std::to_string(req->category()) +
                              "|" + (req->only_open() ? "open" : "all");
    StallFilter filter;
    filter.market_id = req->market_id();
    filter.category = req->category();
    filter.only_open = req->only_open();
    if (!Cursor(req->page_token(), scope, &filter.cursor)) return BadPageToken();
    const int limit = EffectivePageSize(req->page_size());
    filter.limit = limit + 1;
    std::vector<pb::Stall> stalls = store_.ListStalls(filter);
    if (static_cast<int>(stalls.size()) > limit) {
      stalls.resize(limit);
      resp->set_next_page_token(EncodePageToken({stalls.back().name(), stalls.back().id()}, scope));
    }
    for (pb::Stall& s : stalls)
      *resp->add_stalls() = std::move(s);
    return grpc::Status::OK;
  });
}

grpc::Status CatalogApi::GetStall(grpc::ServerContext* ctx, const pb::GetStallRequest* req,
                                  pb::GetStallResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {});
    PASAR_INV_VALIDATE(*req);
    std::optional<pb::Stall> s = store_.GetStall(req->stall_id());
    if (!s) return rpc::NotFound("stall");
    *resp->mutable_stall() = std::move(*s);
    return grpc::Status::OK;
  });
}

grpc::Status CatalogApi::ListProducts(grpc::ServerContext* ctx, const pb::ListProductsRequest* req,
                                      pb::ListProductsResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {});
    PASAR_INV_VALIDATE(*req);
    ProductFilter filter;
    filter.market_id = req->market_id();
    filter.stall_id = req->stall_id();
    filter.category = req->category();
    filter.query = NormalizeQuery(req->query());
    filter.only_available = req->only_available();
    const std::string scope = "products|" + filter.market_id + "|" + filter.stall_id + "|" +
                              std::to_string(filter.category) + "|" +
                              (filter.only_available ? "avail" : "all") + "|" + filter.query;
    if (!Cursor(req->page_token(), scope, &filter.cursor)) return BadPageToken();
    const int limit = EffectivePageSize(req->page_size());
    filter.limit = limit + 1;
    std::vector<pb::Product> products = store_.ListProducts(filter);
    if (static_cast<int>(products.size()) > limit) {
      products.resize(limit);
      resp->set_next_page_token(
          EncodePageToken({products.back().name(), products.back().id()}, scope));
    }
    for (pb::Product& p : products)
      *resp->add_products() = std::move(p);
    return grpc::Status::OK;
  });
}

grpc::Status CatalogApi::GetProduct(grpc::ServerContext* ctx, const pb::GetProductRequest* req,
                                    pb::GetProductResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {});
    PASAR_INV_VALIDATE(*req);
    std::optional<pb::Product> p = store_.GetProduct(req->product_id());
    if (!p) return rpc::NotFound("product");
    *resp->mutable_product() = std::move(*p);
    return grpc::Status::OK;
  });
}

grpc::Status CatalogApi::BatchGetProducts(grpc::ServerContext* ctx,
                                          const pb::BatchGetProductsRequest* req,
                                          pb::BatchGetProductsResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {});
    PASAR_INV_VALIDATE(*req);
    const std::vector<std::string> ids(req->product_ids().begin(), req->product_ids().end());
    std::vector<pb::Product> found = store_.GetProducts(ids);
    for (const std::string& id : ids) {  // request order
      auto it = std::find_if(found.begin(), found.end(),
                             [&](const pb::Product& p) { return p.id() == id; });
      if (it == found.end()) {
        resp->add_missing_product_ids(id);
      } else {
        *resp->add_products() = std::move(*it);
      }
    }
    return grpc::Status::OK;
  });
}

// ---- StallService -------------------------------------------------------------------------------

grpc::Status StallApi::UpdateStall(grpc::ServerContext* ctx, const pb::UpdateStallRequest* req,
                                   pb::UpdateStallResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {Role::kTrader});
    PASAR_INV_VALIDATE(*req);
    if (!who->HasStall(req->stall_id())) return rpc::NotFound("stall");
    return Mutate(ctx, store_, *who, "UpdateStall", *req, resp,
                  [&](pg::Transaction& tx, pb::UpdateStallResponse& out) -> absl::Status {
                    std::optional<pb::Stall> stall = store_.GetStallForUpdate(tx, req->stall_id());
                    if (!stall) return absl::NotFoundError("stall not found");
                    // Saved even when nothing changed, as before pauses existed.
                    *out.mutable_stall() =
                        store_.SaveStall(tx, ApplyStallUpdate(std::move(*stall), *req).stall);
                    return absl::OkStatus();
                  });
  });
}

grpc::Status StallApi::CreateProduct(grpc::ServerContext* ctx, const pb::CreateProductRequest* req,
                                     pb::CreateProductResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {Role::kTrader});
    PASAR_INV_VALIDATE(*req);
    if (!who->HasStall(req->stall_id())) return rpc::NotFound("stall");
    return Mutate(ctx, store_, *who, "CreateProduct", *req, resp,
                  [&](pg::Transaction& tx, pb::CreateProductResponse& out) -> absl::Status {
                    std::optional<pb::Stall> stall = store_.GetStallForUpdate(tx, req->stall_id());
                    if (!stall) return absl::NotFoundError("stall not found");
                    pb::Product p;
                    p.set_stall_id(stall->id());
                    p.set_market_id(stall->market_id());
                    p.set_name(req->name());
                    p.set_category(req->category());
                    p.set_unit(req->unit());
                    p.set_price_idr(req->price_idr());
                    p.set_weighed(req->weighed());
                    p.set_stock(req->stock());
                    p.set_commodity(req->commodity());
                    p.set_standard_unit_milli(req->standard_unit_milli());
                    *out.mutable_product() = store_.InsertProduct(tx, p, who->subject);
                    return absl::OkStatus();
                  });
  });
}

namespace {

// The product if it exists and belongs to one of the caller's stalls (NOT_FOUND otherwise).
grpc::Status OwnProduct(Store& store, const auth::Principal& who, const std::string& id) {
  std::optional<pb::Product> p = store.GetProduct(id);
  if (!p || !who.HasStall(p->stall_id())) return rpc::NotFound("product");
  return grpc::Status::OK;
}

}  // namespace

grpc::Status StallApi::UpdateProduct(grpc::ServerContext* ctx, const pb::UpdateProductRequest* req,
                                     pb::UpdateProductResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {Role::kTrader});
    PASAR_INV_VALIDATE(*req);
    if (grpc::Status own = OwnProduct(store_, *who, req->product_id()); !own.ok()) return own;
    return Mutate(ctx, store_, *who, "UpdateProduct", *req, resp,
                  [&](pg::Transaction& tx, pb::UpdateProductResponse& out) -> absl::Status {
                    std::optional<pb::Product> p =
                        store_.GetProductForUpdate(tx, req->product_id());
                    if (!p) return absl::NotFoundError("product not found");
                    absl::StatusOr<pb::Product> updated = ApplyUpdate(std::move(*p), *req);
                    if (!updated.ok()) return updated.status();
                    *out.mutable_product() = store_.SaveProduct(tx, *updated);
                    return absl::OkStatus();
                  });
  });
}

grpc::Status StallApi::AdjustStock(grpc::ServerContext* ctx, const pb::AdjustStockRequest* req,
                                   pb::AdjustStockResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {Role::kTrader});
    PASAR_INV_VALIDATE(*req);
    if (grpc::Status own = OwnProduct(store_, *who, req->product_id()); !own.ok()) return own;
    const std::string detail = pb::StockAdjustmentReason_Name(req->reason()) +
                               (req->note().empty() ? "" : ": " + req->note());
    return Mutate(ctx, store_, *who, "AdjustStock", *req, resp,
                  [&](pg::Transaction& tx, pb::AdjustStockResponse& out) -> absl::Status {
                    absl::StatusOr<pb::Product> p = store_.AdjustStock(
                        tx, req->product_id(), req->delta(), detail, who->subject);
                    if (!p.ok()) return p.status();
                    *out.mutable_product() = std::move(*p);
                    return absl::OkStatus();
                  });
  });
}

grpc::Status StallApi::SetStock(grpc::ServerContext* ctx, const pb::SetStockRequest* req,
                                pb::SetStockResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {Role::kTrader});
    PASAR_INV_VALIDATE(*req);
    if (grpc::Status own = OwnProduct(store_, *who, req->product_id()); !own.ok()) return own;
    const std::string detail = "SET_STOCK" + (req->note().empty() ? "" : ": " + req->note());
    return Mutate(ctx, store_, *who, "SetStock", *req, resp,
                  [&](pg::Transaction& tx, pb::SetStockResponse& out) -> absl::Status {
                    absl::StatusOr<pb::Product> p =
                        store_.SetStock(tx, req->product_id(), req->stock(), detail, who->subject);
                    if (!p.ok()) return p.status();
                    *out.mutable_product() = std::move(*p);
                    return absl::OkStatus();
                  });
  });
}

// ---- MarketAdminService -------------------------------------------------------------------------

grpc::Status MarketAdminApi::CreateMarket(grpc::ServerContext* ctx,
                                          const pb::CreateMarketRequest* req,
                                          pb::CreateMarketResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {Role::kOperator});
    PASAR_INV_VALIDATE(*req);
    return Mutate(ctx, store_, *who, "CreateMarket", *req, resp,
                  [&](pg::Transaction& tx, pb::CreateMarketResponse& out) -> absl::Status {
                    *out.mutable_market() = store_.InsertMarket(tx, WithDefaults(req->market()));
                    return absl::OkStatus();
                  });
  });
}

grpc::Status MarketAdminApi::UpdateMarket(grpc::ServerContext* ctx,
                                          const pb::UpdateMarketRequest* req,
                                          pb::UpdateMarketResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {Role::kOperator});
    PASAR_INV_VALIDATE(*req);
    return Mutate(ctx, store_, *who, "UpdateMarket", *req, resp,
                  [&](pg::Transaction& tx, pb::UpdateMarketResponse& out) -> absl::Status {
                    std::optional<pb::Market> m = store_.GetMarketForUpdate(tx, req->market_id());
                    if (!m) return absl::NotFoundError("market not found");
                    absl::StatusOr<pb::Market> saved =
                        store_.SaveMarket(tx, ApplyUpdate(std::move(*m), *req));
                    if (!saved.ok()) return saved.status();
                    *out.mutable_market() = std::move(*saved);
                    return absl::OkStatus();
                  });
  });
}

grpc::Status MarketAdminApi::CreateStall(grpc::ServerContext* ctx,
                                         const pb::CreateStallRequest* req,
                                         pb::CreateStallResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {Role::kOperator});
    PASAR_INV_VALIDATE(*req);
    return Mutate(ctx, store_, *who, "CreateStall", *req, resp,
                  [&](pg::Transaction& tx, pb::CreateStallResponse& out) -> absl::Status {
                    if (!store_.GetMarketForUpdate(tx, req->market_id())) {
                      return absl::NotFoundError("market not found");
                    }
                    pb::Stall s;
                    s.set_market_id(req->market_id());
                    s.set_trader_subject(req->trader_subject());
                    s.set_name(req->name());
                    s.set_category(req->category());
                    s.set_open(false);
                    s.set_preparation_minutes(req->preparation_minutes());
                    *out.mutable_stall() = store_.InsertStall(tx, s);
                    return absl::OkStatus();
                  });
  });
}

grpc::Status MarketAdminApi::PauseStall(grpc::ServerContext* ctx, const pb::PauseStallRequest* req,
                                        pb::PauseStallResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {Role::kOperator});
    PASAR_INV_VALIDATE(*req);
    return Mutate(ctx, store_, *who, "PauseStall", *req, resp,
                  [&](pg::Transaction& tx, pb::PauseStallResponse& out) -> absl::Status {
                    std::optional<pb::Stall> stall = store_.GetStallForUpdate(tx, req->stall_id());
                    if (!stall) return absl::NotFoundError("stall not found");
                    StallDecision paused = PauseByOffice(std::move(*stall));
                    *out.mutable_stall() =
                        paused.changed ? store_.SaveStall(tx, paused.stall) : paused.stall;
                    return absl::OkStatus();
                  });
  });
}

// ---- StockService -------------------------------------------------------------------------------

grpc::Status StockApi::ReserveStock(grpc::ServerContext* ctx, const pb::ReserveStockRequest* req,
                                    pb::ReserveStockResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {Role::kService});
    PASAR_INV_VALIDATE(*req);
    ReserveInput input{
        .market_id = req->market_id(),
        .order_id = req->order_id(),
        .lines = {},
        .ttl = req->ttl_seconds() == 0 ? default_ttl_ : absl::Seconds(req->ttl_seconds()),
        .actor = who->subject};
    for (const pb::ReserveLine& l : req->lines()) {
      input.lines.push_back({l.product_id(), l.quantity()});
    }
    return Mutate(
        ctx, store_, *who, "ReserveStock", *req, resp,
        [&](pg::Transaction& tx, pb::ReserveStockResponse& out) -> absl::Status {
          absl::StatusOr<pb::Reservation> v = store_.Reserve(tx, input, absl::Now());
          if (metrics_ != nullptr) metrics_->CountReservation(v.status());
          if (!v.ok()) return v.status();
          *out.mutable_reservation() = std::move(*v);
          return absl::OkStatus();
        },
        // A replay answers the reservation as it is now (released, expired, committed), not
        // the HELD stored at the first call: a caller that lost the first answer (PlaceOrder
        // after a timeout) must not take a hold that is gone for a live one. The lines and
        // their prices are the reservation's own snapshot either way. Reservations are never
        // deleted; were one missing, the stored answer stands.
        [&](pb::ReserveStockResponse& stored) {
          std::optional<pb::Reservation> now =
              store_.GetReservation(stored.reservation().reservation_id());
          if (now) *stored.mutable_reservation() = std::move(*now);
        });
  });
}

grpc::Status StockApi::CommitReservation(grpc::ServerContext* ctx,
                                         const pb::CommitReservationRequest* req,
                                         pb::CommitReservationResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {Role::kService});
    PASAR_INV_VALIDATE(*req);
    std::vector<FinalQuantity> finals;
    for (const pb::CommitLine& l : req->lines()) {
      finals.push_back({l.product_id(), l.final_quantity()});
    }
    return Mutate(ctx, store_, *who, "CommitReservation", *req, resp,
                  [&](pg::Transaction& tx, pb::CommitReservationResponse& out) -> absl::Status {
                    absl::StatusOr<pb::Reservation> v = store_.Commit(
                        tx, req->reservation_id(), finals, "lines", "final_quantity", who->subject);
                    if (!v.ok()) return v.status();
                    *out.mutable_reservation() = std::move(*v);
                    return absl::OkStatus();
                  });
  });
}

grpc::Status StockApi::ReleaseReservation(grpc::ServerContext* ctx,
                                          const pb::ReleaseReservationRequest* req,
                                          pb::ReleaseReservationResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {Role::kService});
    PASAR_INV_VALIDATE(*req);
    return Mutate(ctx, store_, *who, "ReleaseReservation", *req, resp,
                  [&](pg::Transaction& tx, pb::ReleaseReservationResponse& out) -> absl::Status {
                    absl::StatusOr<pb::Reservation> v =
                        store_.Release(tx, req->reservation_id(), req->reason(), who->subject);
                    if (!v.ok()) return v.status();
                    *out.mutable_reservation() = std::move(*v);
                    return absl::OkStatus();
                  });
  });
}

grpc::Status StockApi::GetReservation(grpc::ServerContext* ctx,
                                      const pb::GetReservationRequest* req,
                                      pb::GetReservationResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    PASAR_INV_AUTH(who, {Role::kService});
    PASAR_INV_VALIDATE(*req);
    std::optional<pb::Reservation> v = store_.GetReservation(req->reservation_id());
    if (!v) return rpc::NotFound("reservation");
    *resp->mutable_reservation() = std::move(*v);
    return grpc::Status::OK;
  });
}

#undef PASAR_INV_AUTH
#undef PASAR_INV_VALIDATE

}  // namespace pasar::inventory
