#include "app/markets.h"

#include "app/idempotent.h"
#include "domain/requests.h"
#include "pasar/request/status.h"

namespace pasar::inventory {

absl::Status MarketAdministration::CreateMarket(const auth::Principal& who,
                                                const pb::CreateMarketRequest& req,
                                                pb::CreateMarketResponse* resp) {
  return Mutate(store_, who, "CreateMarket", req, resp,
                [&](pg::Transaction& tx, pb::CreateMarketResponse& out) -> absl::Status {
                  *out.mutable_market() = store_.InsertMarket(tx, WithDefaults(req.market()));
                  return absl::OkStatus();
                });
}

absl::Status MarketAdministration::UpdateMarket(const auth::Principal& who,
                                                const pb::UpdateMarketRequest& req,
                                                pb::UpdateMarketResponse* resp) {
  return Mutate(store_, who, "UpdateMarket", req, resp,
                [&](pg::Transaction& tx, pb::UpdateMarketResponse& out) -> absl::Status {
                  std::optional<pb::Market> m = store_.GetMarketForUpdate(tx, req.market_id());
                  if (!m) return request::NotFound("market");
                  absl::StatusOr<pb::Market> saved =
                      store_.SaveMarket(tx, ApplyUpdate(std::move(*m), req));
                  if (!saved.ok()) return saved.status();
                  *out.mutable_market() = std::move(*saved);
                  return absl::OkStatus();
                });
}

absl::Status MarketAdministration::CreateStall(const auth::Principal& who,
                                               const pb::CreateStallRequest& req,
                                               pb::CreateStallResponse* resp) {
  return Mutate(store_, who, "CreateStall", req, resp,
                [&](pg::Transaction& tx, pb::CreateStallResponse& out) -> absl::Status {
                  if (!store_.GetMarketForUpdate(tx, req.market_id())) {
                    return request::NotFound("market");
                  }
                  pb::Stall s;
                  s.set_market_id(req.market_id());
                  s.set_trader_subject(req.trader_subject());
                  s.set_name(req.name());
                  s.set_category(req.category());
                  s.set_open(false);
                  s.set_preparation_minutes(req.preparation_minutes());
                  *out.mutable_stall() = store_.InsertStall(tx, s);
                  return absl::OkStatus();
                });
}

}  // namespace pasar::inventory
