#include "programme.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "world.h"

namespace pasar::sim {
namespace {

namespace ord = order::v1;
using town::Call;
using town::Outcome;

std::string ReasonName(ord::BenefitReason r) {
  std::string name = ord::BenefitReason_Name(r);
  const std::string prefix = "BENEFIT_REASON_";
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

}  // namespace

std::string ResidentNumber(const World& world, int index) {
  if (world.config.resident_every <= 0 || index % world.config.resident_every != 0) return "";
  // 16 digits like a NIK: a regency prefix, 6 digits of the run, 6 of the customer.
  const uint64_t run = std::hash<std::string>{}(world.run_id) % 1'000'000;
  return absl::StrFormat("3508%06d%06d", run, index % 1'000'000);
}

void StartProgramme(World& world, int expected_customers) {
  const SimConfig& c = world.config;
  if (c.programme_budget_idr < 0) return;
  DayProgramme& p = world.programme;
  p.office_token = world.api.Token(auth::Role::kOfficial, "pasar-sim-dinas");
  ord::CreateProgrammeRequest req;
  req.set_request_id(world.Key("programme"));
  ord::Programme* pr = req.mutable_programme();
  pr->set_name("Ayo belanja di pasar (" + world.run_id + ")");
  for (const town::Market& m : c.town.markets)
    pr->add_market_ids(world.seeded.id(m.id));
  const absl::Time now = absl::Now();
  pr->mutable_starts_at()->set_seconds(absl::ToUnixSeconds(now - absl::Hours(1)));
  pr->mutable_ends_at()->set_seconds(absl::ToUnixSeconds(now + absl::Hours(24)));
  // About 5,000 a customer: free delivery for every cart above the minimum and 50,000 per
  // resident outrun it well before the last customer.
  pr->set_budget_idr(c.programme_budget_idr > 0
                         ? c.programme_budget_idr
                         : std::max<int64_t>(100'000, int64_t{5'000} * expected_customers));
  pr->mutable_delivery_subsidy()->set_max_per_order_idr(kProgrammeSubsidyIdr);
  pr->mutable_delivery_subsidy()->set_min_goods_total_idr(kProgrammeMinGoodsIdr);
  pr->mutable_voucher()->set_amount_per_resident_idr(kProgrammeVoucherIdr);
  pr->set_cap_per_resident_idr(kProgrammeCapPerResidentIdr);
  ord::CreateProgrammeResponse resp;
  const Outcome out = Call(p.office_token, [&](grpc::ClientContext* ctx) {
    return world.api.programmes().CreateProgramme(ctx, req, &resp);
  });
  if (!out.ok()) {
    world.Note("sim: no programme today: CreateProgramme: " + out.Describe());
    return;
  }
  p.id = resp.programme().id();

  ord::ImportResidentsRequest ir;
  ir.set_request_id(world.Key("residents"));
  ir.set_programme_id(p.id);
  // Customers who may arrive: twice the expected number covers a busy Poisson draw.
  for (int i = 0; i < std::min(2 * expected_customers + 10, 10'000); ++i) {
    const std::string n = ResidentNumber(world, i);
    if (!n.empty()) ir.add_resident_numbers(n);
  }
  if (ir.resident_numbers_size() == 0) return;
  ord::ImportResidentsResponse irr;
  const Outcome imported = Call(p.office_token, [&](grpc::ClientContext* ctx) {
    return world.api.programmes().ImportResidents(ctx, ir, &irr);
  });
  if (!imported.ok()) {
    world.Note("sim: programme without residents: ImportResidents: " + imported.Describe());
  }
}

void LinkResident(World& world, int index, const std::string& customer, const std::string& token) {
  DayProgramme& p = world.programme;
  const std::string number = ResidentNumber(world, index);
  if (p.id.empty() || number.empty()) return;
  ord::LinkResidentRequest req;
  req.set_request_id(world.Key(absl::StrCat("link:", index)));
  req.set_resident_number(number);
  ord::LinkResidentResponse resp;
  const Outcome out = Call(token, [&](grpc::ClientContext* ctx) {
    return world.api.programmes().LinkResident(ctx, req, &resp);
  });
  if (!out.ok()) {
    if (out.reason != "RESIDENT_KEY_MISSING") {
      world.Note(absl::StrCat("customer ", index, ": LinkResident: ", out.Describe()));
    }
    return;
  }
  absl::MutexLock lock(&p.mu);
  p.resident_of[customer] = index;
}

void CountBenefit(World& world, const ord::PlaceOrderResponse& placed) {
  DayProgramme& p = world.programme;
  if (p.id.empty()) return;
  for (const ord::BenefitCheck& c : placed.programmes()) {
    if (c.programme_id() != p.id || c.reason() == ord::BENEFIT_REASON_NONE) continue;
    absl::MutexLock lock(&p.mu);
    ++p.refused[ReasonName(c.reason())];
  }
}

void CheckProgramme(World& world, const std::vector<ord::Order>& orders, SimReport& r) {
  DayProgramme& p = world.programme;
  ProgrammeReport& out = r.programme;
  if (p.id.empty()) return;
  out.run = true;
  out.id = p.id;
  const auto problem = [&](const std::string& what) {
    out.balanced = false;
    r.problems.emplace("programme_balanced", what);
  };
  std::map<std::string, int> resident_of;
  {
    absl::MutexLock lock(&p.mu);
    out.refused = p.refused;
    resident_of = p.resident_of;
  }
  out.residents_linked = static_cast<int64_t>(resident_of.size());

  ord::GetProgrammeStatementRequest sr;
  sr.set_programme_id(p.id);
  ord::GetProgrammeStatementResponse st;
  const Outcome so = Call(p.office_token, [&](grpc::ClientContext* ctx) {
    return world.api.programmes().GetProgrammeStatement(ctx, sr, &st);
  });
  if (!so.ok()) {
    problem("not checked: GetProgrammeStatement: " + so.Describe());
    return;
  }
  const ord::Programme& pr = st.programme();
  out.budget_idr = pr.budget_idr();
  out.top_ups_idr = pr.top_ups_idr();
  out.held_idr = pr.held_idr();
  out.spent_idr = pr.spent_idr();
  out.remaining_idr = pr.remaining_idr();
  out.benefits_applied = pr.benefits_applied();
  out.statement_idr = st.total_benefit_idr();
  out.overspent =
      out.held_idr + out.spent_idr > out.budget_idr + out.top_ups_idr || out.remaining_idr < 0;

  // What the orders say: benefits spent, still held, the ledger's liability, per customer.
  int64_t spent = 0, held = 0;
  std::map<std::string, std::pair<int64_t, int64_t>> per_customer;  // benefit, voucher
  for (const ord::Order& o : orders) {
    for (const ord::LedgerEntry& e : o.ledger().entries()) {
      if (e.party() == ord::LEDGER_PARTY_PROGRAMME && e.party_id() == p.id) {
        out.ledger_liability_idr -= e.amount_idr();
      }
    }
    if (!o.has_benefit() || o.benefit().programme_id() != p.id) continue;
    if (o.benefit().state() == ord::BENEFIT_STATE_SPENT) spent += o.benefit().amount_idr();
    if (o.benefit().state() == ord::BENEFIT_STATE_HELD) held += o.benefit().amount_idr();
    if (o.benefit().state() != ord::BENEFIT_STATE_RELEASED) {
      auto& [benefit, voucher] = per_customer[o.customer_subject()];
      benefit += o.benefit().amount_idr();
      voucher += o.benefit().voucher_idr();
    }
  }
  for (const auto& [customer, used] : per_customer) {
    const bool resident = resident_of.count(customer) > 0;
    if (used.first > kProgrammeCapPerResidentIdr ||
        used.second > (resident ? kProgrammeVoucherIdr : 0)) {
      ++out.cap_violations;
      r.problems.emplace("programme_caps", absl::StrCat(customer, " got ", used.first, " (voucher ",
                                                        used.second, ")"));
    }
  }
  out.balanced = true;
  if (out.held_idr + out.spent_idr + out.remaining_idr != out.budget_idr + out.top_ups_idr) {
    problem(absl::StrCat("spent ", out.spent_idr, " + held ", out.held_idr, " + remaining ",
                         out.remaining_idr, " != budget ", out.budget_idr, " + top-ups ",
                         out.top_ups_idr));
  }
  if (out.ledger_liability_idr != out.spent_idr || st.ledger_liability_idr() != out.spent_idr) {
    problem(absl::StrCat("ledger liability ", out.ledger_liability_idr, " (statement says ",
                         st.ledger_liability_idr(), ") != spent ", out.spent_idr));
  }
  if (out.statement_idr != out.spent_idr || spent != out.spent_idr) {
    problem(absl::StrCat("statement ", out.statement_idr, ", delivered orders' benefits ", spent,
                         " != spent ", out.spent_idr));
  }
  if (held != out.held_idr || (r.all_terminal && out.held_idr != 0)) {
    problem(absl::StrCat("held ", out.held_idr, ", open orders' benefits ", held));
  }
  if (out.overspent) problem("overspent");
  if (out.cap_violations > 0) out.balanced = false;

  // The day is over: the programme takes no more orders.
  ord::SetProgrammeStateRequest close;
  close.set_request_id(world.Key("programme-close"));
  close.set_programme_id(p.id);
  close.set_state(ord::PROGRAMME_STATE_CLOSED);
  ord::SetProgrammeStateResponse closed;
  const Outcome co = Call(p.office_token, [&](grpc::ClientContext* ctx) {
    return world.api.programmes().SetProgrammeState(ctx, close, &closed);
  });
  if (!co.ok()) world.Note("sim: SetProgrammeState CLOSED: " + co.Describe());
}

}  // namespace pasar::sim
