#include "store/programme_store.h"

#include <algorithm>
#include <stdexcept>

namespace pasar::order::store {
namespace {

namespace d = domain;

int64_t Micros(absl::Time t) {
  return absl::ToUnixMicros(t);
}

#define PASAR_PROGRAMME_COLUMNS                                                                  \
  "id::text, name, array_to_string(market_ids, ','), "                                           \
  "(extract(epoch FROM starts_at) * 1e6)::bigint, (extract(epoch FROM ends_at) * 1e6)::bigint, " \
  "budget_idr, top_ups_idr, held_idr, spent_idr, benefits_applied, subsidy_max_per_order_idr, "  \
  "subsidy_min_goods_idr, subsidy_max_distance_m, voucher_per_resident_idr, cap_per_order_idr, " \
  "cap_per_resident_idr, stall_turnover_cap_idr, residents_only, priority_reserve_idr, state, "  \
  "(extract(epoch FROM created_at) * 1e6)::bigint "

constexpr pg::Query kInsertProgramme{
    "programme_insert",
    "INSERT INTO programmes (id, name, market_ids, starts_at, ends_at, budget_idr, "
    "  subsidy_max_per_order_idr, subsidy_min_goods_idr, subsidy_max_distance_m, "
    "  voucher_per_resident_idr, cap_per_order_idr, cap_per_resident_idr, "
    "  stall_turnover_cap_idr, residents_only, priority_reserve_idr, state, created_by) "
    "VALUES ($1, $2, $3::uuid[], to_timestamp($4::float8 / 1e6), to_timestamp($5::float8 / 1e6), "
    "  $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'ACTIVE', $16)"};
constexpr pg::Query kSelectProgramme{
    "programme_select", "SELECT " PASAR_PROGRAMME_COLUMNS "FROM programmes WHERE id = $1"};
constexpr pg::Query kSelectProgrammeForUpdate{"programme_select_for_update",
                                              "SELECT " PASAR_PROGRAMME_COLUMNS
                                              "FROM programmes WHERE id = $1 FOR NO KEY UPDATE"};
constexpr pg::Query kListProgrammes{
    "programme_list", "SELECT " PASAR_PROGRAMME_COLUMNS
                      "FROM programmes WHERE $1::bigint IS NULL OR (created_at, id) < "
                      "  (to_timestamp($1::float8 / 1e6), $2::uuid) "
                      "ORDER BY created_at DESC, id DESC LIMIT $3"};
constexpr pg::Query kProgrammesForMarket{
    "programme_for_market",
    "SELECT " PASAR_PROGRAMME_COLUMNS
    "FROM programmes WHERE state = 'ACTIVE' AND $1::uuid = ANY (market_ids) "
    "ORDER BY created_at, id"};
#undef PASAR_PROGRAMME_COLUMNS

constexpr pg::Query kSetState{"programme_set_state",
                              "UPDATE programmes SET state = $2, updated_at = now() WHERE id = $1"};
constexpr pg::Query kTopUp{
    "programme_top_up",
    "WITH t AS (INSERT INTO programme_top_ups (programme_id, amount_idr, note, subject) "
    "  VALUES ($1, $2, $3, $4)) "
    "UPDATE programmes SET top_ups_idr = top_ups_idr + $2, updated_at = now() WHERE id = $1"};
constexpr pg::Query kImportResidents{
    "programme_import_residents",
    "INSERT INTO programme_residents (programme_id, resident_hash) "
    "SELECT $1, h FROM unnest($2::text[]) AS h ON CONFLICT DO NOTHING"};
constexpr pg::Query kResidentEligible{
    "programme_resident_eligible",
    "SELECT 1 FROM programme_residents WHERE programme_id = $1 AND resident_hash = $2"};
constexpr pg::Query kLinkResident{
    "programme_link_resident",
    "INSERT INTO resident_links (resident_hash, customer_subject) VALUES ($1, $2) "
    "ON CONFLICT DO NOTHING"};
constexpr pg::Query kLinkOf{"programme_link_of",
                            "SELECT resident_hash, customer_subject FROM resident_links "
                            "WHERE resident_hash = $1 OR customer_subject = $2"};
constexpr pg::Query kLinkedResident{
    "programme_linked_resident",
    "SELECT resident_hash FROM resident_links WHERE customer_subject = $1"};
constexpr pg::Query kHolderHasBenefits{
    "programme_holder_has_benefits",
    "SELECT 1 FROM programme_holders WHERE holder = $1 AND (benefit_idr > 0 OR voucher_idr > 0) "
    "LIMIT 1"};

constexpr pg::Query kEnsureHolder{
    "programme_ensure_holder",
    "INSERT INTO programme_holders (programme_id, holder) VALUES ($1, $2) ON CONFLICT DO NOTHING"};
constexpr pg::Query kSelectHolder{"programme_select_holder",
                                  "SELECT benefit_idr, voucher_idr, orders FROM programme_holders "
                                  "WHERE programme_id = $1 AND holder = $2"};
constexpr pg::Query kSelectHolderForUpdate{
    "programme_select_holder_for_update",
    "SELECT benefit_idr, voucher_idr, orders FROM programme_holders "
    "WHERE programme_id = $1 AND holder = $2 FOR NO KEY UPDATE"};
constexpr pg::Query kEnsureStalls{
    "programme_ensure_stalls",
    "INSERT INTO programme_stalls (programme_id, stall_id) "
    "SELECT $1, s FROM unnest($2::uuid[]) AS s ON CONFLICT DO NOTHING"};
constexpr pg::Query kSelectStalls{
    "programme_select_stalls",
    "SELECT stall_id::text, turnover_idr FROM programme_stalls "
    "WHERE programme_id = $1 AND stall_id = ANY ($2::uuid[]) ORDER BY stall_id"};
constexpr pg::Query kSelectStallsForUpdate{
    "programme_select_stalls_for_update",
    "SELECT stall_id::text, turnover_idr FROM programme_stalls "
    "WHERE programme_id = $1 AND stall_id = ANY ($2::uuid[]) ORDER BY stall_id FOR NO KEY UPDATE"};

// Deltas (positive: hold more; negative: give back).
constexpr pg::Query kProgrammeDelta{
    "programme_delta",
    "UPDATE programmes SET held_idr = held_idr + $2, spent_idr = spent_idr + $3, "
    "  benefits_applied = benefits_applied + $4, updated_at = now() WHERE id = $1"};
constexpr pg::Query kHolderDelta{
    "programme_holder_delta",
    "UPDATE programme_holders SET benefit_idr = benefit_idr + $3, voucher_idr = voucher_idr + $4, "
    "  orders = orders + $5 WHERE programme_id = $1 AND holder = $2"};
constexpr pg::Query kStallsDelta{
    "programme_stalls_delta",
    "UPDATE programme_stalls p SET turnover_idr = p.turnover_idr + d.delta "
    "FROM unnest($2::uuid[], $3::bigint[]) AS d(stall_id, delta) "
    "WHERE p.programme_id = $1 AND p.stall_id = d.stall_id"};

constexpr pg::Query kInsertBenefit{
    "programme_insert_benefit",
    "WITH b AS (INSERT INTO programme_benefits (order_id, programme_id, holder, "
    "  delivery_subsidy_idr, voucher_idr, state) VALUES ($1, $2, $3, $4, $5, 'HELD')) "
    "INSERT INTO programme_benefit_stalls (order_id, stall_id, goods_idr) "
    "SELECT $1, s, g FROM unnest($6::uuid[], $7::bigint[]) AS x(s, g)"};
constexpr pg::Query kSelectBenefit{
    "programme_select_benefit",
    "SELECT programme_id::text, delivery_subsidy_idr, voucher_idr, state "
    "FROM programme_benefits WHERE order_id = $1"};
constexpr pg::Query kLockHeldBenefit{
    "programme_lock_held_benefit",
    "SELECT programme_id::text, holder, delivery_subsidy_idr, voucher_idr "
    "FROM programme_benefits WHERE order_id = $1 AND state = 'HELD' FOR NO KEY UPDATE"};
constexpr pg::Query kBenefitStalls{
    "programme_benefit_stalls",
    "SELECT stall_id::text, goods_idr FROM programme_benefit_stalls WHERE order_id = $1 "
    "ORDER BY stall_id"};
constexpr pg::Query kUpdateBenefit{
    "programme_update_benefit",
    "UPDATE programme_benefits SET delivery_subsidy_idr = $2, voucher_idr = $3, state = $4, "
    "  released_at = CASE WHEN $4 = 'RELEASED' THEN now() END WHERE order_id = $1"};
constexpr pg::Query kUpdateBenefitStalls{
    "programme_update_benefit_stalls",
    "UPDATE programme_benefit_stalls b SET goods_idr = d.goods "
    "FROM unnest($2::uuid[], $3::bigint[]) AS d(stall_id, goods) "
    "WHERE b.order_id = $1 AND b.stall_id = d.stall_id"};
constexpr pg::Query kSpendBenefit{
    "programme_spend_benefit",
    "UPDATE programme_benefits SET state = 'SPENT', payee_id = $2, "
    "  spent_at = to_timestamp($3::float8 / 1e6) WHERE order_id = $1"};

constexpr pg::Query kStatement{
    "programme_statement",
    "SELECT b.order_id::text, o.market_id::text, (extract(epoch FROM b.spent_at) * 1e6)::bigint, "
    "  b.payee_id, o.goods_total_idr, o.delivery_fee_idr, "
    "  o.goods_total_idr + o.delivery_fee_idr + o.service_fee_idr, b.delivery_subsidy_idr, "
    "  b.voucher_idr "
    "FROM programme_benefits b JOIN orders o ON o.id = b.order_id "
    "WHERE b.programme_id = $1 AND b.state = 'SPENT' "
    "  AND b.spent_at >= to_timestamp($2::float8 / 1e6) "
    "  AND b.spent_at < to_timestamp($3::float8 / 1e6) AND ($4 = '' OR b.payee_id = $4) "
    "ORDER BY b.spent_at, b.order_id LIMIT $5"};
constexpr pg::Query kLedgerLiability{
    "programme_ledger_liability",
    "SELECT COALESCE(sum(-l.amount_idr), 0)::bigint "
    "FROM programme_benefits b JOIN ledger_entries l ON l.order_id = b.order_id "
    "WHERE b.programme_id = $1 AND b.state = 'SPENT' "
    "  AND b.spent_at >= to_timestamp($2::float8 / 1e6) "
    "  AND b.spent_at < to_timestamp($3::float8 / 1e6) AND ($4 = '' OR b.payee_id = $4) "
    "  AND l.kind = 'PROGRAMME_BENEFIT' AND l.party = 'PROGRAMME' AND l.party_id = $1::text"};

std::vector<std::string> Split(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const size_t comma = s.find(',');
    out.emplace_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

ProgrammeRow RowAt(const pg::Result& r, int i) {
  ProgrammeRow p;
  d::ProgrammeTerms& t = p.terms;
  t.id = r.Str(i, 0);
  t.name = r.Str(i, 1);
  t.market_ids = Split(r.Text(i, 2));
  t.starts_at = absl::FromUnixMicros(r.Int(i, 3));
  t.ends_at = absl::FromUnixMicros(r.Int(i, 4));
  t.budget_idr = r.Int(i, 5);
  p.top_ups_idr = r.Int(i, 6);
  p.held_idr = r.Int(i, 7);
  p.spent_idr = r.Int(i, 8);
  p.benefits_applied = r.Int(i, 9);
  t.subsidy_max_per_order_idr = r.Int(i, 10);
  t.subsidy_min_goods_idr = r.Int(i, 11);
  t.subsidy_max_distance_m = r.Int(i, 12);
  t.voucher_per_resident_idr = r.Int(i, 13);
  t.cap_per_order_idr = r.Int(i, 14);
  t.cap_per_resident_idr = r.Int(i, 15);
  t.stall_turnover_cap_idr = r.Int(i, 16);
  t.residents_only = r.Bool(i, 17);
  t.priority_reserve_idr = r.Int(i, 18);
  const auto state = d::ParseProgrammeState(r.Text(i, 19));
  if (!state) throw std::runtime_error("unexpected programme state in the orders schema");
  t.state = *state;
  p.created_at = absl::FromUnixMicros(r.Int(i, 20));
  return p;
}

std::vector<ProgrammeRow> Rows(const pg::Result& r) {
  std::vector<ProgrammeRow> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back(RowAt(r, i));
  return out;
}

// Stall ids and amounts as the two arrays the statements above take.
void Arrays(const std::vector<d::StallSubtotal>& stalls, int64_t sign,
            std::vector<std::string>* ids, std::vector<int64_t>* amounts) {
  for (const d::StallSubtotal& s : stalls) {
    ids->push_back(s.stall_id);
    amounts->push_back(sign * s.goods_total_idr);
  }
}

std::vector<d::StallSubtotal> Sorted(std::vector<d::StallSubtotal> stalls) {
  std::sort(stalls.begin(), stalls.end(),
            [](const auto& a, const auto& b) { return a.stall_id < b.stall_id; });
  return stalls;
}

}  // namespace

void InsertProgramme(pg::Transaction& tx, const d::ProgrammeTerms& t,
                     const std::string& created_by) {
  tx.Exec(kInsertProgramme, t.id, t.name, t.market_ids, Micros(t.starts_at), Micros(t.ends_at),
          t.budget_idr, t.subsidy_max_per_order_idr, t.subsidy_min_goods_idr,
          t.subsidy_max_distance_m, t.voucher_per_resident_idr, t.cap_per_order_idr,
          t.cap_per_resident_idr, t.stall_turnover_cap_idr, t.residents_only,
          t.priority_reserve_idr, created_by);
}

std::optional<ProgrammeRow> LoadProgramme(pg::Transaction& tx, const std::string& id, bool lock) {
  const pg::Result r = tx.Exec(lock ? kSelectProgrammeForUpdate : kSelectProgramme, id);
  if (r.empty()) return std::nullopt;
  return RowAt(r, 0);
}

std::vector<ProgrammeRow> ListProgrammes(
    pg::Transaction& tx, const std::optional<std::pair<int64_t, std::string>>& after, int limit) {
  if (after) return Rows(tx.Exec(kListProgrammes, after->first, after->second, limit));
  return Rows(tx.Exec(kListProgrammes, std::nullopt, std::nullopt, limit));
}

std::vector<ProgrammeRow> ProgrammesForMarket(pg::Transaction& tx, const std::string& market_id) {
  return Rows(tx.Exec(kProgrammesForMarket, market_id));
}

void SetProgrammeState(pg::Transaction& tx, const std::string& id, d::ProgrammeState state) {
  tx.Exec(kSetState, id, d::Name(state));
}

void TopUpProgramme(pg::Transaction& tx, const std::string& id, int64_t amount_idr,
                    const std::string& note, const std::string& subject) {
  tx.Exec(kTopUp, id, amount_idr, note, subject);
}

int64_t ImportResidents(pg::Transaction& tx, const std::string& programme_id,
                        const std::vector<std::string>& hashes) {
  return tx.Exec(kImportResidents, programme_id, hashes).affected();
}

bool ResidentEligible(pg::Transaction& tx, const std::string& programme_id,
                      const std::string& hash) {
  return !tx.Exec(kResidentEligible, programme_id, hash).empty();
}

LinkResult LinkResident(pg::Transaction& tx, const std::string& customer, const std::string& hash) {
  if (tx.Exec(kLinkResident, hash, customer).affected() == 1) return LinkResult::kLinked;
  // Either the resident or the account (or both) is linked already: the committed link wins
  // (the INSERT waited for a concurrent one to commit).
  const pg::Result r = tx.Exec(kLinkOf, hash, customer);
  for (int i = 0; i < r.size(); ++i) {
    if (r.Text(i, 0) == hash && r.Text(i, 1) == customer) return LinkResult::kAlreadyLinked;
  }
  for (int i = 0; i < r.size(); ++i) {
    if (r.Text(i, 0) == hash) return LinkResult::kResidentTaken;
  }
  return LinkResult::kAccountTaken;
}

std::optional<std::string> LinkedResident(pg::Transaction& tx, const std::string& customer) {
  const pg::Result r = tx.Exec(kLinkedResident, customer);
  if (r.empty()) return std::nullopt;
  return r.Str(0, 0);
}

bool HolderHasBenefits(pg::Transaction& tx, const std::string& holder) {
  return !tx.Exec(kHolderHasBenefits, holder).empty();
}

d::BenefitUsage ReadUsage(pg::Transaction& tx, const std::string& programme_id,
                          const std::string& holder, std::vector<std::string> stall_ids,
                          bool lock) {
  std::sort(stall_ids.begin(), stall_ids.end());
  stall_ids.erase(std::unique(stall_ids.begin(), stall_ids.end()), stall_ids.end());
  d::BenefitUsage u;
  if (lock) tx.Exec(kEnsureHolder, programme_id, holder);
  const pg::Result h = tx.Exec(lock ? kSelectHolderForUpdate : kSelectHolder, programme_id, holder);
  if (!h.empty()) {
    u.holder_benefit_idr = h.Int(0, 0);
    u.holder_voucher_idr = h.Int(0, 1);
    u.holder_orders = h.Int(0, 2);
  }
  if (!stall_ids.empty()) {
    if (lock) tx.Exec(kEnsureStalls, programme_id, stall_ids);
    const pg::Result s =
        tx.Exec(lock ? kSelectStallsForUpdate : kSelectStalls, programme_id, stall_ids);
    for (int i = 0; i < s.size(); ++i)
      u.stall_turnover_idr[s.Str(i, 0)] = s.Int(i, 1);
  }
  return u;
}

void HoldBenefit(pg::Transaction& tx, const std::string& order_id, const std::string& programme_id,
                 const std::string& holder, const d::BenefitOffer& offer,
                 const std::vector<d::StallSubtotal>& stalls) {
  std::vector<std::string> ids;
  std::vector<int64_t> goods;
  Arrays(Sorted(stalls), 1, &ids, &goods);
  tx.Exec(kHolderDelta, programme_id, holder, offer.amount_idr(), offer.voucher_idr, 1);
  tx.Exec(kStallsDelta, programme_id, ids, goods);
  tx.Exec(kProgrammeDelta, programme_id, offer.amount_idr(), 0, 1);
  tx.Exec(kInsertBenefit, order_id, programme_id, holder, offer.delivery_subsidy_idr,
          offer.voucher_idr, ids, goods);
}

std::optional<d::AppliedBenefit> LoadBenefit(pg::Transaction& tx, const std::string& order_id) {
  const pg::Result r = tx.Exec(kSelectBenefit, order_id);
  if (r.empty()) return std::nullopt;
  d::AppliedBenefit b;
  b.programme_id = r.Str(0, 0);
  b.delivery_subsidy_idr = r.Int(0, 1);
  b.voucher_idr = r.Int(0, 2);
  const auto state = d::ParseBenefitState(r.Text(0, 3));
  if (!state) throw std::runtime_error("unexpected benefit state in the orders schema");
  b.state = *state;
  return b;
}

std::optional<HeldBenefit> LockHeldBenefit(pg::Transaction& tx, const std::string& order_id) {
  const pg::Result r = tx.Exec(kLockHeldBenefit, order_id);
  if (r.empty()) return std::nullopt;
  HeldBenefit h;
  h.programme_id = r.Str(0, 0);
  h.holder = r.Str(0, 1);
  h.offer.delivery_subsidy_idr = r.Int(0, 2);
  h.offer.voucher_idr = r.Int(0, 3);
  const pg::Result s = tx.Exec(kBenefitStalls, order_id);
  for (int i = 0; i < s.size(); ++i)
    h.stalls.push_back({s.Str(i, 0), s.Int(i, 1)});
  return h;
}

void ChangeHeldBenefit(pg::Transaction& tx, const std::string& order_id, const HeldBenefit& held,
                       const d::BenefitOffer& offer, const std::vector<d::StallSubtotal>& stalls) {
  const bool release = offer.amount_idr() == 0;
  const int64_t amount_delta = offer.amount_idr() - held.offer.amount_idr();
  const int64_t voucher_delta = offer.voucher_idr - held.offer.voucher_idr;
  // Stall deltas: new goods (0 for a released benefit or a stall no longer in the order) less
  // the held goods.
  std::vector<std::string> ids;
  std::vector<int64_t> deltas, goods;
  for (const d::StallSubtotal& h : held.stalls) {
    int64_t now = 0;
    if (!release) {
      for (const d::StallSubtotal& s : stalls) {
        if (s.stall_id == h.stall_id) now = std::min(s.goods_total_idr, h.goods_total_idr);
      }
    }
    ids.push_back(h.stall_id);
    deltas.push_back(now - h.goods_total_idr);
    goods.push_back(now);
  }
  // Holder, then stalls by id, locked before the programme row (the order every writer uses).
  ReadUsage(tx, held.programme_id, held.holder, ids, true);
  tx.Exec(kHolderDelta, held.programme_id, held.holder, amount_delta, voucher_delta,
          release ? -1 : 0);
  tx.Exec(kStallsDelta, held.programme_id, ids, deltas);
  tx.Exec(kProgrammeDelta, held.programme_id, amount_delta, 0, release ? -1 : 0);
  tx.Exec(kUpdateBenefit, order_id, offer.delivery_subsidy_idr, offer.voucher_idr,
          release ? d::Name(d::BenefitState::kReleased) : d::Name(d::BenefitState::kHeld));
  tx.Exec(kUpdateBenefitStalls, order_id, ids, goods);
}

void SpendBenefit(pg::Transaction& tx, const std::string& order_id, const HeldBenefit& held,
                  const std::string& payee_id, absl::Time now) {
  const int64_t amount = held.offer.amount_idr();
  tx.Exec(kProgrammeDelta, held.programme_id, -amount, amount, 0);
  tx.Exec(kSpendBenefit, order_id, payee_id, Micros(now));
}

std::vector<StatementRow> Statement(pg::Transaction& tx, const std::string& programme_id,
                                    absl::Time from, absl::Time to, const std::string& payee,
                                    int limit) {
  const pg::Result r = tx.Exec(kStatement, programme_id, Micros(from), Micros(to), payee, limit);
  std::vector<StatementRow> out;
  for (int i = 0; i < r.size(); ++i) {
    StatementRow s;
    s.order_id = r.Str(i, 0);
    s.market_id = r.Str(i, 1);
    s.delivered_at = absl::FromUnixMicros(r.Int(i, 2));
    s.payee_id = r.Str(i, 3);
    s.goods_total_idr = r.Int(i, 4);
    s.delivery_fee_idr = r.Int(i, 5);
    s.total_idr = r.Int(i, 6);
    s.delivery_subsidy_idr = r.Int(i, 7);
    s.voucher_idr = r.Int(i, 8);
    out.push_back(std::move(s));
  }
  return out;
}

int64_t LedgerLiability(pg::Transaction& tx, const std::string& programme_id, absl::Time from,
                        absl::Time to, const std::string& payee) {
  return tx.Exec(kLedgerLiability, programme_id, Micros(from), Micros(to), payee).Int(0, 0);
}

}  // namespace pasar::order::store
