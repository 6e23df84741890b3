// The catalog's reads, for anyone signed in: markets, stalls and products, one at a time or a
// page at a time (keyset pages by name then id, with page tokens bound to the request's filters).
// Product pages may come from a PageCache (as fresh as app/page_cache.h says).
// The requests are validated by the adapter (domain/requests.h) before they get here.
#pragma once

#include "absl/status/status.h"
#include "app/page_cache.h"
#include "pasar/inventory/v1/inventory.pb.h"
#include "store/store.h"

namespace pasar::inventory {

class Catalog final {
 public:
  // `pages` (optional) keeps product pages for a while (app/page_cache.h: how fresh they are).
  explicit Catalog(Store& store, PageCache* pages = nullptr) : store_(store), pages_(pages) {}

  absl::Status ListMarkets(const pb::ListMarketsRequest& req, pb::ListMarketsResponse* resp);
  absl::Status GetMarket(const std::string& id, pb::Market* out);
  absl::Status ListStalls(const pb::ListStallsRequest& req, pb::ListStallsResponse* resp);
  absl::Status GetStall(const std::string& id, pb::Stall* out);
  absl::Status ListProducts(const pb::ListProductsRequest& req, pb::ListProductsResponse* resp);
  absl::Status GetProduct(const std::string& id, pb::Product* out);
  // The products found, in the request's order; the ids not found as missing_product_ids.
  absl::Status BatchGetProducts(const pb::BatchGetProductsRequest& req,
                                pb::BatchGetProductsResponse* resp);

 private:
  absl::Status ReadProducts(const pb::ListProductsRequest& req, pb::ListProductsResponse* resp);

  Store& store_;
  PageCache* pages_;
};

}  // namespace pasar::inventory
