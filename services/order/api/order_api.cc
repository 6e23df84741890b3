#include "api/order_api.h"

#include <algorithm>
#include <set>

#include "api/page_tokens.h"
#include "app/convert.h"
#include "pasar/geo/geo.h"
#include "pasar/request/fields.h"
#include "pasar/rpc/serve.h"
#include "pasar/rpc/server.h"

namespace pasar::order {
namespace {

namespace d = domain;
using auth::Principal;

constexpr int kMaxLines = 100;
constexpr int64_t kMaxQuantity = 1'000'000;
constexpr size_t kMaxTextChars = 200;
constexpr int kMaxStatusFilters = 6;
constexpr int kSnapshotPage = 50;

bool Final(v1::OrderStatus status) {
  return d::IsFinal(*FromProto(status));
}

}  // namespace

absl::Status ValidateCart(const std::string& market_id,
                          const google::protobuf::RepeatedPtrField<v1::CartLine>& lines,
                          const pasar::common::v1::LatLng* drop_off, bool has_drop_off) {
  if (absl::Status s = request::CheckUuid("market_id", market_id); !s.ok()) return s;
  if (lines.empty()) return request::Invalid("lines", "at least one line is required");
  if (lines.size() > kMaxLines) return request::Invalid("lines", "at most 100 lines");
  std::set<std::string> seen;
  for (int i = 0; i < lines.size(); ++i) {
    const std::string path = "lines[" + std::to_string(i) + "]";
    if (absl::Status s = request::CheckUuid(path + ".product_id", lines[i].product_id()); !s.ok()) {
      return s;
    }
    if (!seen.insert(lines[i].product_id()).second) {
      return request::Invalid(path + ".product_id", "product appears twice in the cart");
    }
    if (lines[i].quantity() < 1 || lines[i].quantity() > kMaxQuantity) {
      return request::Invalid(path + ".quantity", "must be 1..1000000");
    }
  }
  if (!has_drop_off) return request::Invalid("drop_off", "required");
  const geo::LatLng p{drop_off->lat(), drop_off->lng()};
  if (!geo::Valid(p)) return request::Invalid("drop_off", "lat must be -90..90, lng -180..180");
  if (p.lat == 0 && p.lng == 0) return request::Invalid("drop_off", "required");
  return absl::OkStatus();
}

grpc::Status OrderApi::QuoteOrder(grpc::ServerContext* ctx, const v1::QuoteOrderRequest* req,
                                  v1::QuoteOrderResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s =
            ValidateCart(req->market_id(), req->lines(), &req->drop_off(), req->has_drop_off());
        !s.ok()) {
      return s;
    }
    return placement_.Quote(who.subject, *req, rpc::EffectiveDeadline(ctx), resp);
  });
}

grpc::Status OrderApi::PlaceOrder(grpc::ServerContext* ctx, const v1::PlaceOrderRequest* req,
                                  v1::PlaceOrderResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s = request::FirstError(
            {ValidateCart(req->market_id(), req->lines(), &req->drop_off(), req->has_drop_off()),
             request::CheckLength("drop_off_address", req->drop_off_address(), 0, kMaxTextChars),
             request::CheckLength("drop_off_note", req->drop_off_note(), 0, kMaxTextChars)});
        !s.ok()) {
      return s;
    }
    return placement_.Place(who, *req, rpc::EffectiveDeadline(ctx), resp);
  });
}

grpc::Status OrderApi::GetOrder(grpc::ServerContext* ctx, const v1::GetOrderRequest* req,
                                v1::GetOrderResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s = request::CheckUuid("order_id", req->order_id()); !s.ok()) return s;
    return orders_.Get(who, req->order_id(), resp->mutable_order());
  });
}

grpc::Status OrderApi::ListOrders(grpc::ServerContext* ctx, const v1::ListOrdersRequest* req,
                                  v1::ListOrdersResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (req->statuses_size() > kMaxStatusFilters) {
      return request::Invalid("statuses", "at most 6");
    }
    Orders::ListQuery query;
    for (int i = 0; i < req->statuses_size(); ++i) {
      const auto s = FromProto(static_cast<v1::OrderStatus>(req->statuses(i)));
      if (!s) return request::Invalid("statuses[" + std::to_string(i) + "]", "unknown status");
      query.statuses.emplace_back(d::Name(*s));
    }
    if (who.role != auth::Role::kCustomer && !req->market_id().empty()) {
      if (absl::Status s = request::CheckUuid("market_id", req->market_id()); !s.ok()) return s;
      query.market_id = req->market_id();
    }
    absl::StatusOr<int> limit = request::PageSize(req->page_size());
    if (!limit.ok()) return limit.status();
    query.limit = *limit;
    absl::StatusOr<std::optional<store::Cursor>> after = CursorOf(*req, req->page_token());
    if (!after.ok()) return after.status();
    query.after = *after;
    std::optional<store::Cursor> next;
    if (absl::Status s = orders_.List(who, query, resp, &next); !s.ok()) return s;
    if (next) resp->set_next_page_token(TokenOf(*req, *next));
    return absl::OkStatus();
  });
}

grpc::Status OrderApi::CancelOrder(grpc::ServerContext* ctx, const v1::CancelOrderRequest* req,
                                   v1::CancelOrderResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s =
            request::FirstError({request::CheckUuid("order_id", req->order_id()),
                                 request::CheckLength("reason", req->reason(), 0, kMaxTextChars)});
        !s.ok()) {
      return s;
    }
    return orders_.Cancel(who, *req, resp);
  });
}

grpc::Status OrderApi::WatchOrder(grpc::ServerContext* ctx, const v1::WatchOrderRequest* req,
                                  grpc::ServerWriter<v1::WatchOrderResponse>* writer) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s = request::CheckUuid("order_id", req->order_id()); !s.ok()) return s;
    rpc::StreamSlot slot(ctx, who.subject);
    if (!slot.ok()) return slot.refusal();
    // Registered before the first read, so no change between the read and the wait is missed.
    events::LiveHub::Watch watch(live_, req->order_id());
    v1::WatchOrderResponse msg;
    if (absl::Status s = orders_.WatchStart(who, req->order_id(), msg.mutable_order()); !s.ok()) {
      return s;
    }
    int64_t sent = msg.order().version();
    if (!writer->Write(msg) || Final(msg.order().status())) return absl::OkStatus();

    absl::Time last_read = absl::Now();
    while (!ctx->IsCancelled()) {
      if (rpc::ShuttingDown()) return absl::UnavailableError("server shutting down; reconnect");
      // Wake at least every second to notice cancellation; read on a hint or the backstop.
      const bool hinted = watch.Wait(std::min(settings_.watch_backstop, absl::Seconds(1)));
      if (!hinted && absl::Now() - last_read < settings_.watch_backstop) continue;
      last_read = absl::Now();
      // Every version after the last one sent, oldest first, in pages until none is left.
      for (;;) {
        absl::StatusOr<std::vector<v1::Order>> page =
            orders_.VersionsAfter(req->order_id(), sent, kSnapshotPage);
        if (!page.ok()) return page.status();
        for (v1::Order& order : *page) {
          v1::WatchOrderResponse next;
          *next.mutable_order() = std::move(order);
          if (!writer->Write(next)) return absl::OkStatus();
          sent = next.order().version();
          if (Final(next.order().status())) return absl::OkStatus();
        }
        if (static_cast<int>(page->size()) < kSnapshotPage) break;
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace pasar::order
