#include "app/catalog.h"

#include <algorithm>

#include "domain/catalog.h"
#include "domain/requests.h"
#include "pasar/request/page_token.h"
#include "pasar/request/status.h"

namespace pasar::inventory {
namespace {

// The position a request's token names: nullopt for the first page.
absl::StatusOr<std::optional<PageCursor>> CursorOf(const std::string& token,
                                                   const std::string& scope) {
  if (token.empty()) return std::optional<PageCursor>();
  std::optional<PageCursor> cursor = DecodePageToken(token, scope);
  if (!cursor) return request::MalformedPageToken();
  return cursor;
}

// Trims the page read with one row too many and sets the next page's token.
template <class Item, class Response>
void Page(std::vector<Item> items, int limit, const std::string& scope, Response* resp,
          google::protobuf::RepeatedPtrField<Item>* out) {
  if (static_cast<int>(items.size()) > limit) {
    items.resize(limit);
    resp->set_next_page_token(EncodePageToken({items.back().name(), items.back().id()}, scope));
  }
  for (Item& item : items)
    *out->Add() = std::move(item);
}

}  // namespace

absl::Status Catalog::ListMarkets(const pb::ListMarketsRequest& req,
                                  pb::ListMarketsResponse* resp) {
  const std::string scope = request::ListScope(req);
  absl::StatusOr<std::optional<PageCursor>> cursor = CursorOf(req.page_token(), scope);
  if (!cursor.ok()) return cursor.status();
  const int limit = EffectivePageSize(req.page_size());
  Page(store_.ListMarkets(*cursor, limit + 1), limit, scope, resp, resp->mutable_markets());
  return absl::OkStatus();
}

absl::Status Catalog::GetMarket(const std::string& id, pb::Market* out) {
  std::optional<pb::Market> m = store_.GetMarket(id);
  if (!m) return request::NotFound("market");
  *out = std::move(*m);
  return absl::OkStatus();
}

absl::Status Catalog::ListStalls(const pb::ListStallsRequest& req, pb::ListStallsResponse* resp) {
  const std::string scope = request::ListScope(req);
  StallFilter filter;
  filter.market_id = req.market_id();
  filter.category = req.category();
  filter.only_open = req.only_open();
  absl::StatusOr<std::optional<PageCursor>> cursor = CursorOf(req.page_token(), scope);
  if (!cursor.ok()) return cursor.status();
  filter.cursor = *cursor;
  const int limit = EffectivePageSize(req.page_size());
  filter.limit = limit + 1;
  Page(store_.ListStalls(filter), limit, scope, resp, resp->mutable_stalls());
  return absl::OkStatus();
}

absl::Status Catalog::GetStall(const std::string& id, pb::Stall* out) {
  std::optional<pb::Stall> s = store_.GetStall(id);
  if (!s) return request::NotFound("stall");
  *out = std::move(*s);
  return absl::OkStatus();
}

absl::Status Catalog::ListProducts(const pb::ListProductsRequest& req,
                                   pb::ListProductsResponse* resp) {
  if (pages_ == nullptr || !pages_->enabled()) return ReadProducts(req, resp);
  // The page depends on the request only (not on who asks): its bytes are the key. The version
  // is taken before the rows are read; concurrent misses of one page share one read.
  std::string key;
  req.SerializeToString(&key);
  const uint64_t version = store_.CatalogVersion();
  PageCache::Page page;
  absl::Status s = pages_->GetOrRead(
      key, version,
      [&](PageCache::Page* read) {
        auto fresh = std::make_shared<pb::ListProductsResponse>();
        absl::Status status = ReadProducts(req, fresh.get());
        if (status.ok()) *read = std::move(fresh);
        return status;
      },
      &page);
  if (!s.ok()) return s;
  *resp = *page;
  return absl::OkStatus();
}

absl::Status Catalog::ReadProducts(const pb::ListProductsRequest& req,
                                   pb::ListProductsResponse* resp) {
  const std::string scope = request::ListScope(req);
  ProductFilter filter;
  filter.market_id = req.market_id();
  filter.stall_id = req.stall_id();
  filter.category = req.category();
  filter.query = NormalizeQuery(req.query());
  filter.only_available = req.only_available();
  absl::StatusOr<std::optional<PageCursor>> cursor = CursorOf(req.page_token(), scope);
  if (!cursor.ok()) return cursor.status();
  filter.cursor = *cursor;
  const int limit = EffectivePageSize(req.page_size());
  filter.limit = limit + 1;
  Page(store_.ListProducts(filter), limit, scope, resp, resp->mutable_products());
  return absl::OkStatus();
}

absl::Status Catalog::GetProduct(const std::string& id, pb::Product* out) {
  std::optional<pb::Product> p = store_.GetProduct(id);
  if (!p) return request::NotFound("product");
  *out = std::move(*p);
  return absl::OkStatus();
}

absl::Status Catalog::BatchGetProducts(const pb::BatchGetProductsRequest& req,
                                       pb::BatchGetProductsResponse* resp) {
  const std::vector<std::string> ids(req.product_ids().begin(), req.product_ids().end());
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
  return absl::OkStatus();
}

}  // namespace pasar::inventory
