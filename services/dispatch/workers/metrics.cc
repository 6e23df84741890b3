#include "workers/metrics.h"

namespace pasar::dispatch {
namespace {

prometheus::Counter& NewCounter(prometheus::Registry& r, const std::string& name,
                                const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

DispatchMetrics::DispatchMetrics(prometheus::Registry& r)
    : fixes_accepted(NewCounter(r, "pasar_dispatch_fixes_accepted_total",
                                "Location fixes accepted into the spatial index")),
      fixes_rejected(NewCounter(r, "pasar_dispatch_fixes_rejected_total",
                                "Location fixes rejected (invalid, too old/new, impossible jump)")),
      fixes_flushed(NewCounter(r, "pasar_dispatch_fixes_flushed_total",
                               "Latest fixes written to PostgreSQL by the batch flusher")),
      couriers_indexed(prometheus::BuildGauge()
                           .Name("pasar_dispatch_couriers_indexed")
                           .Help("Couriers with a fix in this instance's spatial index")
                           .Register(r)
                           .Add({})),
      matcher_windows(NewCounter(r, "pasar_dispatch_matcher_windows_total",
                                 "Batch windows run by this instance's matcher")),
      offers_made(NewCounter(r, "pasar_dispatch_offers_made_total",
                             "Offers made by this instance (lease holder)")),
      timers_fired(NewCounter(r, "pasar_dispatch_timers_fired_total",
                              "Persisted deadlines applied by this instance's sweeper")) {}

}  // namespace pasar::dispatch
