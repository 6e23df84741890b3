// pasar-dispatch: CourierService and DispatchOpsService, the live locations, the matcher, the
// timer sweeper and the consumer of the order service's events. Wiring only: the start and stop
// sequence is libs/service's (docs/architecture.md); the settings are app/settings.h's.
#include <unistd.h>

#include <random>
#include <string>

#include "api/access.h"
#include "api/courier_api.h"
#include "api/ops_api.h"
#include "app/courier_cases.h"
#include "app/exception_cases.h"
#include "app/matcher_cases.h"
#include "app/operator_cases.h"
#include "app/order_event_cases.h"
#include "app/report_cases.h"
#include "app/settings.h"
#include "app/sweeper_cases.h"
#include "consumers/order_events.h"
#include "pasar/events/live.h"
#include "pasar/service/purge.h"
#include "pasar/service/service.h"
#include "store/idempotency.h"
#include "store/jobs.h"
#include "workers/live_locations.h"
#include "workers/matcher.h"
#include "workers/metrics.h"
#include "workers/sweeper.h"

namespace pasar::dispatch {
std::vector<pg::Migration> Migrations();
}

namespace {

std::string InstanceId() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return "dispatch-" + std::string(host) + "-" + std::to_string(getpid()) + "-" +
         std::to_string(std::random_device{}() % 100000);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pasar;
  return service::Main("dispatch", argc, argv, [](service::Process& p) {
    const dispatch::Settings settings = dispatch::SettingsFromConfig(p.config());
    p.Open("dispatch", dispatch::Migrations());

    dispatch::app::CourierCases courier_cases(p.pool(), settings.timers);
    dispatch::app::OperatorCases operator_cases(p.pool());
    dispatch::app::OrderEventCases order_event_cases;
    dispatch::app::MatcherCases matcher_cases(p.pool(), settings.timers);
    dispatch::app::SweeperCases sweeper_cases(p.pool(), settings.timers);
    dispatch::app::ReportCases report_cases(p.pool(), settings.matcher.default_rule);
    dispatch::app::ExceptionCases exception_cases(p.pool(), settings.timers,
                                                  settings.failure_policy);

    dispatch::LiveLocations locations(p.pool(), dispatch::FixRules{}, settings.location_flush);
    events::ConsumerConfig consumer_config;
    consumer_config.name = "dispatch";
    consumer_config.streams = {"events.order"};
    consumer_config.types.assign(dispatch::consumers::kOrderEventTypes.begin(),
                                 dispatch::consumers::kOrderEventTypes.end());
    consumer_config.claim_idle = settings.consumer_claim_idle;
    events::Consumer consumer(p.pool(), p.redis().config(), consumer_config,
                              dispatch::consumers::OrderEventsHandler(order_event_cases));
    dispatch::Matcher matcher(matcher_cases, p.redis(), locations,
                              dispatch::MatchingPolicy(settings.matching), settings.matcher,
                              InstanceId());
    dispatch::Sweeper sweeper(sweeper_cases, settings.sweeper);
    dispatch::DispatchMetrics metrics(p.metrics());
    locations.set_metrics(&metrics);
    matcher.set_metrics(&metrics);
    sweeper.set_metrics(&metrics);

    service::Purger purger(service::PurgeConfigFrom(p.config()),
                           {{"dispatch.idempotency_keys",
                             [&](absl::Duration retention, int limit) {
                               return dispatch::store::PurgeKeys(p.pool(), retention, limit);
                             }},
                            {"dispatch.packed_tickets", [&](absl::Duration retention, int limit) {
                               return dispatch::store::PurgePackedTickets(p.pool(), retention,
                                                                          limit);
                             }}});

    events::LiveHub hub(p.redis().config(), "events.dispatch");
    dispatch::api::CourierApi courier_api(courier_cases, exception_cases, locations, hub,
                                          settings.watch_backstop);
    dispatch::api::OpsApi ops_api(operator_cases, report_cases, exception_cases);
    // The live locations first: they load every persisted fix before anything is matched.
    return p.Serve({&courier_api, &ops_api}, dispatch::api::Access(),
                   {service::Part::Of("locations", locations),
                    service::Part::Of("consumer", consumer), service::Part::Of("matcher", matcher),
                    service::Part::Of("sweeper", sweeper), service::Part::Of("purge", purger)});
  });
}
