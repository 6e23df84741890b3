// The regency's programmes: the use cases behind ProgrammeService (api/programme_api.h, which
// validates the requests), and the hooks that apply programmes at the till and follow an order's
// benefit through its life: held at PlaceOrder in the order's transaction, recomputed at
// confirmation, released at cancellation, spent at delivery. Rules in domain/programme.h, SQL in
// store/programme_store.h.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "clients/inventory_client.h"
#include "domain/order.h"
#include "domain/programme.h"
#include "pasar/auth/auth.h"
#include "pasar/order/v1/order.pb.h"
#include "pasar/order/v1/programme.pb.h"
#include "pasar/pg/pg.h"
#include "store/order_store.h"

namespace pasar::order {

// The programmes' answer for a cart: one check per active programme covering the market (tried
// in order of creation) and the benefit of the first that gives one.
struct BenefitChecks {
  std::vector<v1::BenefitCheck> checks;
  std::optional<domain::AppliedBenefit> applied;
};

// QuoteOrder: what the cart would get now (nothing is locked or written).
BenefitChecks QuoteBenefits(pg::Transaction& tx, const std::string& customer,
                            const domain::BenefitCart& cart);

// PlaceOrder, in the order's transaction (before or after the order row is written): holds the
// benefit of the first programme that gives one, exactly (budget, holder and stall caps under
// row locks), for `order_id`.
BenefitChecks HoldOrderBenefit(pg::Transaction& tx, const std::string& customer,
                               const std::string& order_id, const domain::BenefitCart& cart);

// Follows the order's changes (its row locked, before it is saved): cancellation releases the
// held benefit, confirmation recomputes it on the accepted goods, delivery spends it (owed to
// the courier of the PROGRAMME_BENEFIT posting). Updates order.benefit.
void ProgrammeFollowsOrder(pg::Transaction& tx, domain::Order& order,
                           std::span<const domain::Change> changes, absl::Time now);

// The use cases of ProgrammeService; requests are validated by the adapter.
class Programmes final {
 public:
  using Deadline = std::chrono::system_clock::time_point;
  // `resident_key`: the HMAC key resident numbers are hashed with (empty: ImportResidents and
  // LinkResident are refused RESIDENT_KEY_MISSING).
  Programmes(pg::Pool& pool, InventoryClient& inventory, std::string resident_key,
             absl::Duration inventory_deadline);

  // `terms` validated (domain::ValidateTerms); its markets are checked in inventory
  // (INVALID_ARGUMENT "programme.market_ids[i]: unknown market").
  absl::Status Create(const auth::Principal& who, const v1::CreateProgrammeRequest& req,
                      domain::ProgrammeTerms terms, Deadline deadline,
                      v1::CreateProgrammeResponse* resp);
  absl::Status Get(const std::string& id, v1::Programme* out);
  absl::Status List(const std::optional<store::Cursor>& after, int limit,
                    std::vector<v1::Programme>* out, std::optional<store::Cursor>* last);
  absl::Status SetState(const auth::Principal& who, const v1::SetProgrammeStateRequest& req,
                        domain::ProgrammeState state, v1::SetProgrammeStateResponse* resp);
  absl::Status TopUp(const auth::Principal& who, const v1::TopUpProgrammeRequest& req,
                     v1::TopUpProgrammeResponse* resp);
  absl::Status Import(const auth::Principal& who, const v1::ImportResidentsRequest& req,
                      v1::ImportResidentsResponse* resp);
  absl::Status Link(const auth::Principal& who, const v1::LinkResidentRequest& req,
                    v1::LinkResidentResponse* resp);
  absl::Status Statement(const v1::GetProgrammeStatementRequest& req, absl::Time from,
                         absl::Time to, v1::GetProgrammeStatementResponse* resp);

 private:
  pg::Pool& pool_;
  InventoryClient& inventory_;
  std::string resident_key_;
  absl::Duration inventory_deadline_;
};

}  // namespace pasar::order
