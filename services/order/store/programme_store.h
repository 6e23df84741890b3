// SQL of the regency's programmes (migrations/0006_programmes.sql). Functions take the caller's
// transaction. Locks are always taken in one order: a benefit's row (its order's row locked
// before by the caller), the holder's row, the stalls' rows by stall id, the programme's row,
// so concurrent placements, cancellations and deliveries never deadlock on one programme. Rows are
// locked FOR NO KEY UPDATE: inserting a holder, stall or benefit row takes a KEY SHARE lock on
// its programme (the foreign key), which FOR UPDATE would wait for (a deadlock among placements).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "domain/order.h"
#include "domain/programme.h"
#include "pasar/pg/pg.h"

namespace pasar::order::store {

struct ProgrammeRow {
  domain::ProgrammeTerms terms;
  int64_t top_ups_idr = 0;
  int64_t held_idr = 0;
  int64_t spent_idr = 0;
  int64_t benefits_applied = 0;
  absl::Time created_at;
  int64_t remaining_idr() const { return terms.budget_idr + top_ups_idr - held_idr - spent_idr; }
};

void InsertProgramme(pg::Transaction& tx, const domain::ProgrammeTerms& terms,
                     const std::string& created_by);
// `lock` takes the row FOR UPDATE.
std::optional<ProgrammeRow> LoadProgramme(pg::Transaction& tx, const std::string& id, bool lock);
// Newest first, after (created micros, id) of the previous page's last row.
std::vector<ProgrammeRow> ListProgrammes(
    pg::Transaction& tx, const std::optional<std::pair<int64_t, std::string>>& after, int limit);
// ACTIVE programmes covering the market, oldest first (the order they are tried in).
std::vector<ProgrammeRow> ProgrammesForMarket(pg::Transaction& tx, const std::string& market_id);
void SetProgrammeState(pg::Transaction& tx, const std::string& id, domain::ProgrammeState state);
void TopUpProgramme(pg::Transaction& tx, const std::string& id, int64_t amount_idr,
                    const std::string& note, const std::string& subject);

// Adds eligible residents (hashes); returns how many were new.
int64_t ImportResidents(pg::Transaction& tx, const std::string& programme_id,
                        const std::vector<std::string>& hashes);
bool ResidentEligible(pg::Transaction& tx, const std::string& programme_id,
                      const std::string& hash);

enum class LinkResult { kLinked, kAlreadyLinked, kResidentTaken, kAccountTaken };
// Links `customer` to the resident `hash`: the first account to claim a resident keeps it, an
// account keeps its first resident.
LinkResult LinkResident(pg::Transaction& tx, const std::string& customer, const std::string& hash);
std::optional<std::string> LinkedResident(pg::Transaction& tx, const std::string& customer);
// Whether a holder ('customer:<subject>' or 'resident:<hash>') holds or has spent a benefit
// of any programme.
bool HolderHasBenefits(pg::Transaction& tx, const std::string& holder);

// The holder's and the stalls' usage of a programme; `lock` creates and locks their rows (holder
// first, then stalls by id). remaining_idr is left 0 (the caller reads the programme row).
domain::BenefitUsage ReadUsage(pg::Transaction& tx, const std::string& programme_id,
                               const std::string& holder, std::vector<std::string> stall_ids,
                               bool lock);

// Holds a decided benefit (rows locked by ReadUsage and LoadProgramme(lock)): the programme's
// held amount, the holder's and stalls' usage, the benefit row of the order.
void HoldBenefit(pg::Transaction& tx, const std::string& order_id, const std::string& programme_id,
                 const std::string& holder, const domain::BenefitOffer& offer,
                 const std::vector<domain::StallSubtotal>& stalls);

std::optional<domain::AppliedBenefit> LoadBenefit(pg::Transaction& tx, const std::string& order_id);

// A HELD benefit of a locked order, with what it holds, locked for a change (nullopt: none held).
struct HeldBenefit {
  std::string programme_id;
  std::string holder;
  domain::BenefitOffer offer;
  std::vector<domain::StallSubtotal> stalls;  // goods held per stall, by stall id
};
std::optional<HeldBenefit> LockHeldBenefit(pg::Transaction& tx, const std::string& order_id);
// Changes a held benefit to `offer` (not more) and the stalls' goods to `stalls` (released when
// `offer` is zero); locks holder, stalls, programme in that order.
void ChangeHeldBenefit(pg::Transaction& tx, const std::string& order_id, const HeldBenefit& held,
                       const domain::BenefitOffer& offer,
                       const std::vector<domain::StallSubtotal>& stalls);
// Held -> spent, owed to `payee_id`.
void SpendBenefit(pg::Transaction& tx, const std::string& order_id, const HeldBenefit& held,
                  const std::string& payee_id, absl::Time now);

struct StatementRow {
  std::string order_id;
  std::string market_id;
  absl::Time delivered_at;
  std::string payee_id;
  int64_t goods_total_idr = 0;
  int64_t delivery_fee_idr = 0;
  int64_t total_idr = 0;
  int64_t delivery_subsidy_idr = 0;
  int64_t voucher_idr = 0;
};
// Spent benefits of the programme in [from, to), oldest first; payee empty = every payee. At
// most `limit` rows.
std::vector<StatementRow> Statement(pg::Transaction& tx, const std::string& programme_id,
                                    absl::Time from, absl::Time to, const std::string& payee,
                                    int limit);
// What the ledger records as owed by the programme for those orders.
int64_t LedgerLiability(pg::Transaction& tx, const std::string& programme_id, absl::Time from,
                        absl::Time to, const std::string& payee);

}  // namespace pasar::order::store
