#include "app/stalls.h"

#include "app/idempotent.h"
#include "pasar/request/status.h"

namespace pasar::inventory {

absl::Status StallOperations::OwnProduct(const auth::Principal& who, const std::string& id) {
  std::optional<pb::Product> p = store_.GetProduct(id);
  if (!p || !who.HasStall(p->stall_id())) return request::NotFound("product");
  return absl::OkStatus();
}

absl::Status StallOperations::UpdateStall(const auth::Principal& who,
                                          const pb::UpdateStallRequest& req,
                                          pb::UpdateStallResponse* resp) {
  if (!who.HasStall(req.stall_id())) return request::NotFound("stall");
  return Mutate(store_, who, "UpdateStall", req, resp,
                [&](pg::Transaction& tx, pb::UpdateStallResponse& out) -> absl::Status {
                  std::optional<pb::Stall> stall = store_.GetStallForUpdate(tx, req.stall_id());
                  if (!stall) return request::NotFound("stall");
                  if (req.has_open()) stall->set_open(req.open());
                  if (req.has_preparation_minutes()) {
                    stall->set_preparation_minutes(req.preparation_minutes());
                  }
                  if (req.has_name()) stall->set_name(req.name());
                  *out.mutable_stall() = store_.SaveStall(tx, *stall);
                  return absl::OkStatus();
                });
}

absl::Status StallOperations::CreateProduct(const auth::Principal& who,
                                            const pb::CreateProductRequest& req,
                                            pb::CreateProductResponse* resp) {
  if (!who.HasStall(req.stall_id())) return request::NotFound("stall");
  return Mutate(store_, who, "CreateProduct", req, resp,
                [&](pg::Transaction& tx, pb::CreateProductResponse& out) -> absl::Status {
                  std::optional<pb::Stall> stall = store_.GetStallForUpdate(tx, req.stall_id());
                  if (!stall) return request::NotFound("stall");
                  pb::Product p;
                  p.set_stall_id(stall->id());
                  p.set_market_id(stall->market_id());
                  p.set_name(req.name());
                  p.set_category(req.category());
                  p.set_unit(req.unit());
                  p.set_price_idr(req.price_idr());
                  p.set_weighed(req.weighed());
                  p.set_stock(req.stock());
                  *out.mutable_product() = store_.InsertProduct(tx, p, who.subject);
                  return absl::OkStatus();
                });
}

absl::Status StallOperations::UpdateProduct(const auth::Principal& who,
                                            const pb::UpdateProductRequest& req,
                                            pb::UpdateProductResponse* resp) {
  if (absl::Status own = OwnProduct(who, req.product_id()); !own.ok()) return own;
  return Mutate(store_, who, "UpdateProduct", req, resp,
                [&](pg::Transaction& tx, pb::UpdateProductResponse& out) -> absl::Status {
                  std::optional<pb::Product> p = store_.GetProductForUpdate(tx, req.product_id());
                  if (!p) return request::NotFound("product");
                  if (req.has_name()) p->set_name(req.name());
                  if (req.has_category()) p->set_category(req.category());
                  if (req.has_unit()) p->set_unit(req.unit());
                  if (req.has_price_idr()) p->set_price_idr(req.price_idr());
                  if (req.has_weighed()) p->set_weighed(req.weighed());
                  if (req.has_active()) p->set_active(req.active());
                  *out.mutable_product() = store_.SaveProduct(tx, *p);
                  return absl::OkStatus();
                });
}

absl::Status StallOperations::AdjustStock(const auth::Principal& who,
                                          const pb::AdjustStockRequest& req,
                                          pb::AdjustStockResponse* resp) {
  if (absl::Status own = OwnProduct(who, req.product_id()); !own.ok()) return own;
  const std::string detail =
      pb::StockAdjustmentReason_Name(req.reason()) + (req.note().empty() ? "" : ": " + req.note());
  return Mutate(store_, who, "AdjustStock", req, resp,
                [&](pg::Transaction& tx, pb::AdjustStockResponse& out) -> absl::Status {
                  absl::StatusOr<pb::Product> p =
                      store_.AdjustStock(tx, req.product_id(), req.delta(), detail, who.subject);
                  if (!p.ok()) return p.status();
                  *out.mutable_product() = std::move(*p);
                  return absl::OkStatus();
                });
}

absl::Status StallOperations::SetStock(const auth::Principal& who, const pb::SetStockRequest& req,
                                       pb::SetStockResponse* resp) {
  if (absl::Status own = OwnProduct(who, req.product_id()); !own.ok()) return own;
  const std::string detail = "SET_STOCK" + (req.note().empty() ? "" : ": " + req.note());
  return Mutate(store_, who, "SetStock", req, resp,
                [&](pg::Transaction& tx, pb::SetStockResponse& out) -> absl::Status {
                  absl::StatusOr<pb::Product> p =
                      store_.SetStock(tx, req.product_id(), req.stock(), detail, who.subject);
                  if (!p.ok()) return p.status();
                  *out.mutable_product() = std::move(*p);
                  return absl::OkStatus();
                });
}

}  // namespace pasar::inventory
