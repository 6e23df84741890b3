#include "app/orders.h"

#include "app/changes.h"
#include "app/convert.h"
#include "app/idempotency.h"
#include "app/ids.h"
#include "pasar/log/log.h"
#include "pasar/request/idempotency.h"
#include "pasar/request/status.h"

namespace pasar::order {
namespace {

namespace d = domain;
using auth::Role;

Viewer ViewerOf(const auth::Principal& who) {
  return who.role == Role::kCustomer ? Viewer::Customer() : Viewer::Operator();
}

std::string_view CancelMessage(bool requested, bool customer) {
  if (requested) {
    return customer ? "cancellation requested by the customer"
                    : "cancellation requested by an operator";
  }
  return customer ? "order cancelled by the customer" : "order cancelled by an operator";
}

}  // namespace

absl::Status Orders::Get(const auth::Principal& who, const std::string& order_id, v1::Order* out) {
  pg::Transaction tx(pool_, "get_order");
  const auto order = store::LoadOrder(tx, order_id, false);
  if (!order) return request::NotFound("order");
  if (who.role == Role::kCustomer && order->customer != who.subject) {
    return request::NotFound("order");
  }
  ToProto(*order, ViewerOf(who), out);
  return absl::OkStatus();
}

absl::Status Orders::List(const auth::Principal& who, const ListQuery& query,
                          v1::ListOrdersResponse* resp, std::optional<store::Cursor>* next) {
  const bool customer = who.role == Role::kCustomer;
  pg::Transaction tx(pool_, "list_orders");
  const auto ids =
      store::ListOrderIds(tx, customer ? who.subject : "", customer ? "" : query.market_id,
                          query.statuses, query.after, query.limit + 1);
  for (size_t i = 0; i < ids.size() && static_cast<int>(i) < query.limit; ++i) {
    const auto order = store::LoadOrder(tx, ids[i].first, false);
    if (!order) continue;
    ToProto(*order, ViewerOf(who), resp->add_orders());
  }
  next->reset();
  if (static_cast<int>(ids.size()) > query.limit) {
    *next = ids[static_cast<size_t>(query.limit) - 1].second;
  }
  return absl::OkStatus();
}

absl::Status Orders::Cancel(const auth::Principal& who, const v1::CancelOrderRequest& req,
                            v1::CancelOrderResponse* resp) {
  const bool customer = who.role == Role::kCustomer;
  const std::string fingerprint = request::Fingerprint(req);
  return pg::WithTransaction(pool_, "cancel_order", [&](pg::Transaction& tx) -> absl::Status {
    auto order = store::LoadOrder(tx, req.order_id(), true);
    // A foreign order is NOT_FOUND to a customer, so its existence is not disclosed.
    if (!order || (customer && order->customer != who.subject)) {
      return request::NotFound("order");
    }
    if (auto replayed =
            Replay(tx, who.subject, "CancelOrder", req.request_id(), fingerprint, resp)) {
      return *replayed;
    }
    const absl::Time now = absl::Now();
    const d::OrderState previous = order->status;
    const d::Outcome out = customer ? d::CustomerCancel(*order, req.reason(), RandomUuid(), now)
                                    : d::OperatorCancel(*order, req.reason(), RandomUuid(), now);
    if (!out.ok()) return InvalidTransition(out.message);
    if (out.changed()) RecordChanges(tx, *order, out.changes, {previous, now});
    ToProto(*order, ViewerOf(who), resp->mutable_order());
    Remember(tx, who.subject, "CancelOrder", req.request_id(), fingerprint, *resp);
    tx.Commit();
    if (out.changed()) {
      log::Info(CancelMessage(order->status != d::OrderState::kCancelled, customer),
                {{"correlation_id", order->id}});
    }
    return absl::OkStatus();
  });
}

absl::Status Orders::WatchStart(const auth::Principal& who, const std::string& order_id,
                                v1::Order* out) {
  pg::Transaction tx(pool_, "watch_order");
  const auto order = store::LoadOrder(tx, order_id, false);
  if (!order || order->customer != who.subject) return request::NotFound("order");
  ToProto(*order, Viewer::Customer(), out);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Order>> Orders::VersionsAfter(const std::string& order_id,
                                                             int64_t version, int limit) {
  std::vector<v1::Order> out;
  for (const store::Snapshot& snap : store::SnapshotsAfter(pool_, order_id, version, limit)) {
    if (!out.emplace_back().ParseFromString(snap.bytes)) {
      return absl::InternalError("internal error");
    }
  }
  return out;
}

}  // namespace pasar::order
