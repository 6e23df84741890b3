// The matcher's use cases: what it reads to plan a market, the market's fencing token, and
// making one offer under it.
#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "app/outcome.h"
#include "domain/bundles.h"
#include "domain/matching.h"
#include "pasar/pg/pg.h"
#include "store/matching.h"

namespace pasar::dispatch::app {

class MatcherCases final {
 public:
  MatcherCases(pg::Pool& pool, Timers timers) : pool_(pool), timers_(timers) {}

  std::vector<std::string> MarketsWithPendingJobs();
  std::vector<store::MatchJob> PendingJobs(const std::string& market_id, int limit);
  // The market's dispatch settings (SetMarketDispatch): its policy (`fallback` when never set)
  // and its stacking bound (0 = off).
  struct MarketSettings {
    MatchingRule rule = MatchingRule::kExact;
    int stacking_minutes = 0;
  };
  MarketSettings SettingsOf(const std::string& market_id, MatchingRule fallback);
  absl::flat_hash_map<std::string, IdleCourier> IdleCouriers(const std::vector<std::string>& ids);
  // Advances the market's fencing token for `holder` (store/matching.h).
  store::MatcherFence ClaimMatcherFence(const std::string& market_id, const std::string& holder);
  // Offers the job to the courier if both are still free (the job PENDING within its deadline,
  // the courier IDLE, neither locked elsewhere) and `fence` is still the market's current
  // token; false when something changed (`*fenced` true when it was the token). The offer
  // expires Timers::offer_ttl after the database's now.
  bool MakeOffer(const store::MatcherFence& fence, const Proposal& proposal,
                 bool* fenced = nullptr);
  // A planned trip: MakeOffer for a single order; a bundle is offered as one, to one courier.
  bool MakeTripOffer(const store::MatcherFence& fence, const TripProposal& trip,
                     bool* fenced = nullptr);

 private:
  pg::Pool& pool_;
  const Timers timers_;
};

}  // namespace pasar::dispatch::app
