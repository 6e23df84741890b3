// pasar.order.v1.ProgrammeService (the regency's programmes, run by operators and officials;
// customers link a resident number), and the hooks that apply programmes at the till and follow
// an order's benefit through its life: held at PlaceOrder in the order's transaction, recomputed
// at confirmation, released at cancellation, spent at delivery. Rules in domain/programme.h,
// SQL in store/programme_store.h.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "api/inventory_client.h"
#include "domain/order.h"
#include "domain/programme.h"
#include "pasar/auth/auth.h"
#include "pasar/order/v1/order.grpc.pb.h"
#include "pasar/order/v1/programme.grpc.pb.h"
#include "pasar/pg/pg.h"

namespace pasar::order {

class ProgrammeApi final : public v1::ProgrammeService::Service {
 public:
  // `resident_key`: the HMAC key resident numbers are hashed with (empty: ImportResidents and
  // LinkResident answer FAILED_PRECONDITION / RESIDENT_KEY_MISSING).
  ProgrammeApi(pg::Pool& pool, InventoryClient& inventory, const auth::Verifier& verifier,
               std::string resident_key, absl::Duration inventory_deadline);

  grpc::Status CreateProgramme(grpc::ServerContext* ctx, const v1::CreateProgrammeRequest* req,
                               v1::CreateProgrammeResponse* resp) override;
  grpc::Status GetProgramme(grpc::ServerContext* ctx, const v1::GetProgrammeRequest* req,
                            v1::GetProgrammeResponse* resp) override;
  grpc::Status ListProgrammes(grpc::ServerContext* ctx, const v1::ListProgrammesRequest* req,
                              v1::ListProgrammesResponse* resp) override;
  grpc::Status SetProgrammeState(grpc::ServerContext* ctx, const v1::SetProgrammeStateRequest* req,
                                 v1::SetProgrammeStateResponse* resp) override;
  grpc::Status TopUpProgramme(grpc::ServerContext* ctx, const v1::TopUpProgrammeRequest* req,
                              v1::TopUpProgrammeResponse* resp) override;
  grpc::Status ImportResidents(grpc::ServerContext* ctx, const v1::ImportResidentsRequest* req,
                               v1::ImportResidentsResponse* resp) override;
  grpc::Status LinkResident(grpc::ServerContext* ctx, const v1::LinkResidentRequest* req,
                            v1::LinkResidentResponse* resp) override;
  grpc::Status GetProgrammeStatement(grpc::ServerContext* ctx,
                                     const v1::GetProgrammeStatementRequest* req,
                                     v1::GetProgrammeStatementResponse* resp) override;

 private:
  pg::Pool& pool_;
  InventoryClient& inventory_;
  const auth::Verifier& verifier_;
  std::string resident_key_;
  absl::Duration inventory_deadline_;
};

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

// The programme as the API shows it.
void ProgrammeToProto(const domain::ProgrammeTerms& terms, int64_t top_ups_idr, int64_t held_idr,
                      int64_t spent_idr, int64_t benefits_applied, absl::Time created_at,
                      v1::Programme* out);

}  // namespace pasar::order
