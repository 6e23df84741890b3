// The use cases of an order once placed, for its customer and for operators: read one, list,
// cancel, and the reads behind WatchOrder. Each is one transaction; a customer's foreign order
// answers NOT_FOUND exactly like a missing one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pasar/auth/auth.h"
#include "pasar/order/v1/order.pb.h"
#include "pasar/pg/pg.h"
#include "store/order_store.h"

namespace pasar::order {

class Orders final {
 public:
  explicit Orders(pg::Pool& pool) : pool_(pool) {}

  // The order as `who` may see it: a customer only their own (with the PIN), an operator any.
  absl::Status Get(const auth::Principal& who, const std::string& order_id, v1::Order* out);

  struct ListQuery {
    std::vector<std::string> statuses;  // domain names; empty: every status
    std::string market_id;              // operators only; empty: every market
    std::optional<store::Cursor> after;
    int limit = 50;
  };
  // Newest first: a customer's own orders, or (operators) every order. `next` is set when more
  // follow.
  absl::Status List(const auth::Principal& who, const ListQuery& query,
                    v1::ListOrdersResponse* resp, std::optional<store::Cursor>* next);

  // CancelOrder (idempotent on its request id): a customer cancels their own order, an operator
  // any; from CONFIRMED on it becomes a cancellation request that dispatch settles.
  absl::Status Cancel(const auth::Principal& who, const v1::CancelOrderRequest& req,
                      v1::CancelOrderResponse* resp);

  // WatchOrder's first message: the customer's own order as it is now.
  absl::Status WatchStart(const auth::Principal& who, const std::string& order_id, v1::Order* out);
  // WatchOrder's next messages: every version after `version`, oldest first (at most `limit`).
  absl::StatusOr<std::vector<v1::Order>> VersionsAfter(const std::string& order_id, int64_t version,
                                                       int limit);

 private:
  pg::Pool& pool_;
};

}  // namespace pasar::order
