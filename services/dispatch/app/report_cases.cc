#include "app/report_cases.h"

#include "app/idempotent.h"
#include "domain/report.h"
#include "store/contract.h"
#include "store/report.h"

namespace pasar::dispatch::app {
namespace {

v1::MatchingPolicy ToProto(MatchingRule rule) {
  return rule == MatchingRule::kExact ? v1::MATCHING_POLICY_EXACT : v1::MATCHING_POLICY_GREEDY;
}

MatchingRule RuleOr(const std::string& stored, MatchingRule fallback) {
  return ParseRule(stored).value_or(fallback);
}

}  // namespace

Outcome ReportCases::Report(const std::string& market_id, int64_t from_ms, int64_t to_ms,
                            v1::GetDispatchReportResponse* resp) {
  pg::Transaction tx(pool_, "dispatch_report", pg::Transaction::Isolation::kRepeatableRead);
  if (!market_id.empty() && !store::MarketKnown(tx, market_id)) {
    return Refuse(Refusal::kNotFound, "no such market");
  }
  const domain::Report r =
      domain::ComputeReport(store::ReadReportInput(tx, market_id, from_ms, to_ms));
  resp->set_market_id(market_id);
  store::SetTs(resp->mutable_since(), from_ms);
  store::SetTs(resp->mutable_until(), to_ms);
  if (!market_id.empty()) {
    const auto row = store::ReadMarketPolicy(tx, market_id);
    resp->set_policy(ToProto(row ? RuleOr(row->policy, default_rule_) : default_rule_));
  }
  tx.Commit();
  resp->set_orders_assigned(r.orders_assigned);
  resp->set_trips(r.trips);
  resp->set_orders_per_trip(r.orders_per_trip);
  resp->set_pickup_distance_total_meters(r.pickup_distance_total_m);
  resp->set_pickup_distance_per_order_meters(r.pickup_distance_per_order_m);
  resp->set_assign_latency_p50_ms(r.assign_latency_p50_ms);
  resp->set_assign_latency_p99_ms(r.assign_latency_p99_ms);
  resp->set_offers_made(r.offers_made);
  resp->set_offers_per_assignment(r.offers_per_assignment);
  resp->set_offers_declined(r.offers_declined);
  resp->set_offers_expired(r.offers_expired);
  resp->set_couriers_on_shift(r.couriers_on_shift);
  resp->set_shift_hours(r.shift_hours);
  resp->set_busy_hours(r.busy_hours);
  resp->set_utilisation(r.utilisation);
  resp->set_idle_time_gini(r.idle_time_gini);
  resp->set_earnings_gini(r.earnings_gini);
  resp->set_deliveries(r.deliveries);
  resp->set_deliveries_per_courier_hour(r.deliveries_per_courier_hour);
  return Outcome{};
}

Outcome ReportCases::SetMarketDispatch(const store::IdemKey& key,
                                       const v1::SetMarketDispatchRequest& req,
                                       v1::SetMarketDispatchResponse* resp) {
  return Idempotent(pool_, "set_market_dispatch", key, resp, [&](pg::Transaction& tx, bool&) {
    const std::string& market_id = req.settings().market_id();
    std::string policy;
    if (req.settings().policy() == v1::MATCHING_POLICY_EXACT) {
      policy = RuleName(MatchingRule::kExact);
    } else if (req.settings().policy() == v1::MATCHING_POLICY_GREEDY) {
      policy = RuleName(MatchingRule::kNearestFirst);
    }
    const std::optional<store::MarketPolicyRow> row =
        store::WriteMarketPolicy(tx, market_id, policy, req.settings().stacking_minutes());
    v1::MarketDispatch* out = resp->mutable_settings();
    out->set_market_id(market_id);
    out->set_policy(ToProto(row ? RuleOr(row->policy, default_rule_) : default_rule_));
    if (row) {
      out->set_stacking_minutes(row->stacking_minutes);
      store::SetTs(out->mutable_updated_at(), row->updated_at_ms);
    }
    return Outcome{};
  });
}

}  // namespace pasar::dispatch::app
