#include "app/programmes.h"

#include <algorithm>
#include <map>

#include "app/convert.h"
#include "app/idempotency.h"
#include "app/ids.h"
#include "pasar/log/log.h"
#include "pasar/request/fields.h"
#include "pasar/request/idempotency.h"
#include "pasar/request/status.h"
#include "store/programme_store.h"

namespace pasar::order {

void ProgrammeToProto(const domain::ProgrammeTerms& t, int64_t top_ups_idr, int64_t held_idr,
                      int64_t spent_idr, int64_t benefits_applied, absl::Time created_at,
                      v1::Programme* out);

namespace {

namespace d = domain;

constexpr int kMaxStatementLines = 100'000;

v1::BenefitReason ToProto(d::BenefitReason r) {
  switch (r) {
    case d::BenefitReason::kNone:
      return v1::BENEFIT_REASON_NONE;
    case d::BenefitReason::kBudgetExhausted:
      return v1::BENEFIT_REASON_BUDGET_EXHAUSTED;
    case d::BenefitReason::kNotEligible:
      return v1::BENEFIT_REASON_NOT_ELIGIBLE;
    case d::BenefitReason::kCapReached:
      return v1::BENEFIT_REASON_CAP_REACHED;
    case d::BenefitReason::kBelowMinimum:
      return v1::BENEFIT_REASON_BELOW_MINIMUM;
    case d::BenefitReason::kOutsidePeriod:
      return v1::BENEFIT_REASON_OUTSIDE_PERIOD;
    case d::BenefitReason::kOutsideArea:
      return v1::BENEFIT_REASON_OUTSIDE_AREA;
  }
  return v1::BENEFIT_REASON_UNSPECIFIED;
}

v1::ProgrammeState ToProto(d::ProgrammeState s) {
  switch (s) {
    case d::ProgrammeState::kActive:
      return v1::PROGRAMME_STATE_ACTIVE;
    case d::ProgrammeState::kPaused:
      return v1::PROGRAMME_STATE_PAUSED;
    case d::ProgrammeState::kClosed:
      return v1::PROGRAMME_STATE_CLOSED;
  }
  return v1::PROGRAMME_STATE_UNSPECIFIED;
}

v1::BenefitCheck Check(const d::ProgrammeTerms& t, const d::BenefitOffer& o) {
  v1::BenefitCheck c;
  c.set_programme_id(t.id);
  c.set_programme_name(t.name);
  c.set_reason(ToProto(o.reason));
  if (o.granted()) {
    c.set_delivery_subsidy_idr(o.delivery_subsidy_idr);
    c.set_voucher_idr(o.voucher_idr);
    c.set_amount_idr(o.amount_idr());
  }
  c.set_explanation(o.explanation);
  return c;
}

// Who a benefit counts against: the linked resident (across accounts), else the customer.
struct Holder {
  std::string key;
  std::optional<std::string> resident_hash;
};
Holder HolderOf(pg::Transaction& tx, const std::string& customer) {
  const auto hash = store::LinkedResident(tx, customer);
  if (hash) return {"resident:" + *hash, hash};
  return {"customer:" + customer, std::nullopt};
}

std::vector<std::string> StallIds(const d::BenefitCart& cart) {
  std::vector<std::string> ids;
  for (const d::StallSubtotal& s : cart.stalls)
    ids.push_back(s.stall_id);
  return ids;
}

BenefitChecks Evaluate(pg::Transaction& tx, const std::string& customer,
                       const std::string& order_id, d::BenefitCart cart, bool hold) {
  BenefitChecks out;
  const std::vector<store::ProgrammeRow> programmes =
      store::ProgrammesForMarket(tx, cart.market_id);
  if (programmes.empty()) return out;
  const Holder holder = HolderOf(tx, customer);
  for (const store::ProgrammeRow& p : programmes) {
    if (out.applied && hold) break;
    cart.resident =
        holder.resident_hash && store::ResidentEligible(tx, p.terms.id, *holder.resident_hash);
    // Nothing is locked for a cart the programme's rules refuse anyway.
    const d::BenefitOffer offer = d::OfferBenefit(p.terms, cart);
    if (!offer.granted()) {
      out.checks.push_back(Check(p.terms, offer));
      continue;
    }
    d::BenefitUsage usage = store::ReadUsage(tx, p.terms.id, holder.key, StallIds(cart), hold);
    d::ProgrammeTerms terms = p.terms;
    usage.remaining_idr = p.remaining_idr();
    if (hold) {
      // The programme row last: its figures (and state) as committed now, held until commit.
      const auto locked = store::LoadProgramme(tx, p.terms.id, true);
      if (!locked) continue;
      terms = locked->terms;
      usage.remaining_idr = locked->remaining_idr();
    }
    const d::BenefitOffer decided = d::DecideBenefit(terms, cart, usage);
    out.checks.push_back(Check(terms, decided));
    if (!decided.granted() || out.applied) continue;
    d::AppliedBenefit applied;
    applied.programme_id = terms.id;
    applied.delivery_subsidy_idr = decided.delivery_subsidy_idr;
    applied.voucher_idr = decided.voucher_idr;
    out.applied = applied;
    if (hold) store::HoldBenefit(tx, order_id, terms.id, holder.key, decided, cart.stalls);
  }
  return out;
}

// The goods of the order's tickets that go on (dropped tickets hold no turnover).
std::vector<d::StallSubtotal> LiveStalls(const d::Order& o) {
  std::vector<d::StallSubtotal> out;
  for (const d::Ticket& t : o.tickets) {
    if (!d::IsDropped(t.status)) out.push_back({t.stall_id, t.total_idr});
  }
  return out;
}

void ToProto(const store::ProgrammeRow& p, v1::Programme* out) {
  ProgrammeToProto(p.terms, p.top_ups_idr, p.held_idr, p.spent_idr, p.benefits_applied,
                   p.created_at, out);
}

}  // namespace

void ProgrammeToProto(const domain::ProgrammeTerms& t, int64_t top_ups_idr, int64_t held_idr,
                      int64_t spent_idr, int64_t benefits_applied, absl::Time created_at,
                      v1::Programme* out) {
  out->set_id(t.id);
  out->set_name(t.name);
  for (const std::string& m : t.market_ids)
    out->add_market_ids(m);
  SetTime(out->mutable_starts_at(), t.starts_at);
  SetTime(out->mutable_ends_at(), t.ends_at);
  out->set_budget_idr(t.budget_idr);
  out->set_top_ups_idr(top_ups_idr);
  out->set_held_idr(held_idr);
  out->set_spent_idr(spent_idr);
  out->set_remaining_idr(t.budget_idr + top_ups_idr - held_idr - spent_idr);
  out->mutable_delivery_subsidy()->set_max_per_order_idr(t.subsidy_max_per_order_idr);
  out->mutable_delivery_subsidy()->set_min_goods_total_idr(t.subsidy_min_goods_idr);
  out->mutable_delivery_subsidy()->set_max_distance_meters(t.subsidy_max_distance_m);
  out->mutable_voucher()->set_amount_per_resident_idr(t.voucher_per_resident_idr);
  out->set_cap_per_order_idr(t.cap_per_order_idr);
  out->set_cap_per_resident_idr(t.cap_per_resident_idr);
  out->set_stall_turnover_cap_idr(t.stall_turnover_cap_idr);
  out->set_residents_only(t.residents_only);
  out->set_priority_reserve_idr(t.priority_reserve_idr);
  out->set_state(ToProto(t.state));
  out->set_benefits_applied(benefits_applied);
  SetTime(out->mutable_created_at(), created_at);
}

BenefitChecks QuoteBenefits(pg::Transaction& tx, const std::string& customer,
                            const d::BenefitCart& cart) {
  return Evaluate(tx, customer, "", cart, false);
}

BenefitChecks HoldOrderBenefit(pg::Transaction& tx, const std::string& customer,
                               const std::string& order_id, const d::BenefitCart& cart) {
  return Evaluate(tx, customer, order_id, cart, true);
}

void ProgrammeFollowsOrder(pg::Transaction& tx, d::Order& order, std::span<const d::Change> changes,
                           absl::Time now) {
  if (!order.benefit || order.benefit->state != d::BenefitState::kHeld) return;
  for (const d::Change& c : changes) {
    if (c.what != d::Happening::kOrderCancelled && c.what != d::Happening::kOrderConfirmed &&
        c.what != d::Happening::kOrderDelivered && c.what != d::Happening::kOrderReturned) {
      continue;
    }
    const auto held = store::LockHeldBenefit(tx, order.id);
    if (!held) return;
    // Cancelled, or the goods came back: nothing was delivered, the hold goes back.
    if (c.what == d::Happening::kOrderCancelled || c.what == d::Happening::kOrderReturned) {
      store::ChangeHeldBenefit(tx, order.id, *held, d::BenefitOffer{}, {});
      order.benefit->state = d::BenefitState::kReleased;
      return;
    }
    if (c.what == d::Happening::kOrderConfirmed) {
      const auto programme = store::LoadProgramme(tx, held->programme_id, false);
      if (!programme) return;
      const d::BenefitOffer now_offer =
          d::RecomputeBenefit(programme->terms, held->offer, order.totals.goods_total_idr,
                              order.totals.delivery_fee_idr, order.distance_meters);
      store::ChangeHeldBenefit(tx, order.id, *held, now_offer, LiveStalls(order));
      order.benefit->delivery_subsidy_idr = now_offer.delivery_subsidy_idr;
      order.benefit->voucher_idr = now_offer.voucher_idr;
      if (now_offer.amount_idr() == 0) order.benefit->state = d::BenefitState::kReleased;
      continue;  // a later change of the same operation may follow
    }
    // Delivered: the payee is the courier the ledger says the programme owes.
    std::string payee = order.courier ? order.courier->id : "";
    for (const d::Posting& p : order.new_postings) {
      if (p.kind == d::EntryKind::kProgrammeBenefit && p.party == d::Party::kCourier) {
        payee = p.party_id;
      }
    }
    store::SpendBenefit(tx, order.id, *held, payee, now);
    order.benefit->state = d::BenefitState::kSpent;
    return;
  }
}

Programmes::Programmes(pg::Pool& pool, InventoryClient& inventory, std::string resident_key,
                       absl::Duration inventory_deadline)
    : pool_(pool),
      inventory_(inventory),
      resident_key_(std::move(resident_key)),
      inventory_deadline_(inventory_deadline) {}

absl::Status Programmes::Create(const auth::Principal& who, const v1::CreateProgrammeRequest& req,
                                d::ProgrammeTerms t, Deadline deadline,
                                v1::CreateProgrammeResponse* resp) {
  t.id = ids::NameUuid("programme:" + who.subject + ":" + req.request_id());
  // Every market must exist (inventory owns them); unknown is bad input, not NOT_FOUND.
  const auto bound = std::min(
      deadline, std::chrono::system_clock::now() + absl::ToChronoMilliseconds(inventory_deadline_));
  for (size_t i = 0; i < t.market_ids.size(); ++i) {
    inv::Market market;
    const Upstream u = inventory_.GetMarket(t.market_ids[i], bound, &market);
    if (u.status.error_code() == grpc::StatusCode::NOT_FOUND) {
      return request::Invalid("programme.market_ids[" + std::to_string(i) + "]", "unknown market");
    }
    if (!u.ok()) return InventoryClient::Forward(u, "market");
  }
  const std::string fp = request::Fingerprint(req);
  return pg::WithTransaction(pool_, "create_programme", [&](pg::Transaction& tx) -> absl::Status {
    if (auto s = Replay(tx, who.subject, "CreateProgramme", req.request_id(), fp, resp)) return *s;
    store::InsertProgramme(tx, t, who.subject);
    const auto row = store::LoadProgramme(tx, t.id, false);
    if (!row) return absl::InternalError("internal error");
    ToProto(*row, resp->mutable_programme());
    Remember(tx, who.subject, "CreateProgramme", req.request_id(), fp, *resp);
    tx.Commit();
    log::Info("programme created", {{"programme_id", t.id}});
    return absl::OkStatus();
  });
}

absl::Status Programmes::Get(const std::string& id, v1::Programme* out) {
  pg::Transaction tx(pool_, "get_programme");
  const auto row = store::LoadProgramme(tx, id, false);
  if (!row) return request::NotFound("programme");
  ToProto(*row, out);
  return absl::OkStatus();
}

absl::Status Programmes::List(const std::optional<store::Cursor>& after, int limit,
                              std::vector<v1::Programme>* out, std::optional<store::Cursor>* last) {
  std::optional<std::pair<int64_t, std::string>> cursor;
  if (after) cursor = std::make_pair(after->created_micros, after->id);
  pg::Transaction tx(pool_, "list_programmes");
  const auto rows = store::ListProgrammes(tx, cursor, limit + 1);
  for (size_t i = 0; i < rows.size() && static_cast<int>(i) < limit; ++i)
    ToProto(rows[i], &out->emplace_back());
  last->reset();
  if (static_cast<int>(rows.size()) > limit) {
    const store::ProgrammeRow& l = rows[static_cast<size_t>(limit) - 1];
    *last = store::Cursor{absl::ToUnixMicros(l.created_at), l.terms.id};
  }
  return absl::OkStatus();
}

absl::Status Programmes::SetState(const auth::Principal& who,
                                  const v1::SetProgrammeStateRequest& req, d::ProgrammeState state,
                                  v1::SetProgrammeStateResponse* resp) {
  const std::string fp = request::Fingerprint(req);
  return pg::WithTransaction(
      pool_, "set_programme_state", [&](pg::Transaction& tx) -> absl::Status {
        if (auto s = Replay(tx, who.subject, "SetProgrammeState", req.request_id(), fp, resp)) {
          return *s;
        }
        auto row = store::LoadProgramme(tx, req.programme_id(), true);
        if (!row) return request::NotFound("programme");
        if (row->terms.state == d::ProgrammeState::kClosed && state != d::ProgrammeState::kClosed) {
          return InvalidTransition("the programme is closed for good");
        }
        store::SetProgrammeState(tx, row->terms.id, state);
        row->terms.state = state;
        ToProto(*row, resp->mutable_programme());
        Remember(tx, who.subject, "SetProgrammeState", req.request_id(), fp, *resp);
        tx.Commit();
        log::Info("programme state changed",
                  {{"programme_id", row->terms.id}, {"state", std::string(d::Name(state))}});
        return absl::OkStatus();
      });
}

absl::Status Programmes::TopUp(const auth::Principal& who, const v1::TopUpProgrammeRequest& req,
                               v1::TopUpProgrammeResponse* resp) {
  const std::string fp = request::Fingerprint(req);
  return pg::WithTransaction(pool_, "top_up_programme", [&](pg::Transaction& tx) -> absl::Status {
    if (auto s = Replay(tx, who.subject, "TopUpProgramme", req.request_id(), fp, resp)) return *s;
    const auto row = store::LoadProgramme(tx, req.programme_id(), true);
    if (!row) return request::NotFound("programme");
    if (row->terms.budget_idr + row->top_ups_idr + req.amount_idr() > d::kMaxProgrammeIdr) {
      return request::Invalid("amount_idr",
                              "the budget would exceed " + std::to_string(d::kMaxProgrammeIdr));
    }
    store::TopUpProgramme(tx, row->terms.id, req.amount_idr(), req.note(), who.subject);
    const auto after = store::LoadProgramme(tx, row->terms.id, false);
    ToProto(*after, resp->mutable_programme());
    Remember(tx, who.subject, "TopUpProgramme", req.request_id(), fp, *resp);
    tx.Commit();
    log::Info("programme topped up", {{"programme_id", row->terms.id}});
    return absl::OkStatus();
  });
}

absl::Status Programmes::Import(const auth::Principal& who, const v1::ImportResidentsRequest& req,
                                v1::ImportResidentsResponse* resp) {
  if (resident_key_.empty()) {
    return request::Refused("RESIDENT_KEY_MISSING",
                            "the service has no resident key (PASAR_RESIDENT_KEY_FILE)");
  }
  std::vector<std::string> hashes;
  for (const std::string& n : req.resident_numbers())
    hashes.push_back(ids::HmacSha256Hex(resident_key_, n));
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  // The stored fingerprint is over the keyed hashes, never the numbers themselves (a resident
  // number has too little entropy for a plain digest to hide it).
  v1::ImportResidentsRequest keyed = req;
  keyed.clear_resident_numbers();
  for (const std::string& h : hashes)
    keyed.add_resident_numbers(h);
  const std::string fp = request::Fingerprint(keyed);
  return pg::WithTransaction(pool_, "import_residents", [&](pg::Transaction& tx) -> absl::Status {
    if (auto s = Replay(tx, who.subject, "ImportResidents", req.request_id(), fp, resp)) return *s;
    if (!store::LoadProgramme(tx, req.programme_id(), false)) return request::NotFound("programme");
    const int64_t added = store::ImportResidents(tx, req.programme_id(), hashes);
    resp->set_added(added);
    resp->set_already_eligible(static_cast<int64_t>(hashes.size()) - added);
    Remember(tx, who.subject, "ImportResidents", req.request_id(), fp, *resp);
    tx.Commit();
    log::Info("residents imported",
              {{"programme_id", req.programme_id()}, {"added", std::to_string(added)}});
    return absl::OkStatus();
  });
}

absl::Status Programmes::Link(const auth::Principal& who, const v1::LinkResidentRequest& req,
                              v1::LinkResidentResponse* resp) {
  if (resident_key_.empty()) {
    return request::Refused("RESIDENT_KEY_MISSING",
                            "the service has no resident key (PASAR_RESIDENT_KEY_FILE)");
  }
  const std::string resident = ids::HmacSha256Hex(resident_key_, req.resident_number());
  // The stored fingerprint is over the keyed hash, never the number itself.
  v1::LinkResidentRequest keyed;
  keyed.set_resident_number(resident);
  const std::string fp = request::Fingerprint(keyed);
  return pg::WithTransaction(pool_, "link_resident", [&](pg::Transaction& tx) -> absl::Status {
    if (auto s = Replay(tx, who.subject, "LinkResident", req.request_id(), fp, resp)) return *s;
    // An account that has had benefits as itself cannot then link a resident and start again
    // under the resident's caps.
    if (store::LinkedResident(tx, who.subject) != resident &&
        store::HolderHasBenefits(tx, "customer:" + who.subject)) {
      return request::Refused("ACCOUNT_HAS_BENEFITS",
                              "this account has had programme benefits before linking a resident "
                              "number; the market office can help");
    }
    switch (store::LinkResident(tx, who.subject, resident)) {
      case store::LinkResult::kLinked:
      case store::LinkResult::kAlreadyLinked:
        break;
      case store::LinkResult::kResidentTaken:
        return request::Refused("RESIDENT_ALREADY_LINKED",
                                "this resident number is linked to another account");
      case store::LinkResult::kAccountTaken:
        return request::Refused("ACCOUNT_ALREADY_LINKED",
                                "this account is linked to another resident number");
    }
    resp->set_linked(true);
    Remember(tx, who.subject, "LinkResident", req.request_id(), fp, *resp);
    tx.Commit();
    return absl::OkStatus();
  });
}

absl::Status Programmes::Statement(const v1::GetProgrammeStatementRequest& req, absl::Time from,
                                   absl::Time to, v1::GetProgrammeStatementResponse* resp) {
  pg::Transaction tx(pool_, "programme_statement");
  const auto row = store::LoadProgramme(tx, req.programme_id(), false);
  if (!row) return request::NotFound("programme");
  ToProto(*row, resp->mutable_programme());
  const auto lines =
      store::Statement(tx, row->terms.id, from, to, req.payee_id(), kMaxStatementLines + 1);
  if (static_cast<int>(lines.size()) > kMaxStatementLines) {
    return request::Invalid("to", "more than 100000 orders: ask for a shorter period");
  }
  std::map<std::string, v1::PayeeTotal> payees;
  int64_t total = 0;
  for (const store::StatementRow& s : lines) {
    v1::StatementLine* l = resp->add_lines();
    l->set_order_id(s.order_id);
    l->set_market_id(s.market_id);
    SetTime(l->mutable_delivered_at(), s.delivered_at);
    l->set_payee_id(s.payee_id);
    l->set_goods_total_idr(s.goods_total_idr);
    l->set_delivery_fee_idr(s.delivery_fee_idr);
    l->set_total_idr(s.total_idr);
    l->set_delivery_subsidy_idr(s.delivery_subsidy_idr);
    l->set_voucher_idr(s.voucher_idr);
    const int64_t benefit = s.delivery_subsidy_idr + s.voucher_idr;
    l->set_benefit_idr(benefit);
    l->set_cash_collected_idr(s.total_idr - benefit);
    v1::PayeeTotal& p = payees[s.payee_id];
    p.set_payee_id(s.payee_id);
    p.set_orders(p.orders() + 1);
    p.set_benefit_idr(p.benefit_idr() + benefit);
    total += benefit;
  }
  for (auto& [id, p] : payees)
    *resp->add_payees() = p;
  resp->set_total_benefit_idr(total);
  resp->set_ledger_liability_idr(
      store::LedgerLiability(tx, row->terms.id, from, to, req.payee_id()));
  return absl::OkStatus();
}

}  // namespace pasar::order
