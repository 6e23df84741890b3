// Dispatch's own Prometheus metrics, registered in the Host's registry (served on
// PASAR_METRICS_LISTEN next to the per-RPC metrics of libs/rpc).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace pasar::dispatch {

struct DispatchMetrics final {
  explicit DispatchMetrics(prometheus::Registry& registry);

  prometheus::Counter& fixes_accepted;
  prometheus::Counter& fixes_rejected;
  prometheus::Counter& fixes_flushed;
  prometheus::Gauge& couriers_indexed;
  prometheus::Counter& matcher_windows;
  prometheus::Counter& offers_made;
  prometheus::Counter& timers_fired;
};

}  // namespace pasar::dispatch
