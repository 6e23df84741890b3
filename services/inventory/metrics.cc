#include "metrics.h"

#include <string>

#include "absl/strings/ascii.h"
#include "pasar/request/status.h"

namespace pasar::inventory {

InventoryMetrics::InventoryMetrics(prometheus::Registry& registry)
    : reservations_(prometheus::BuildCounter()
                        .Name("pasar_inventory_reservations_total")
                        .Help("ReserveStock attempts by outcome: held, or the refusal reason")
                        .Register(registry)),
      expired_(prometheus::BuildCounter()
                   .Name("pasar_inventory_reservations_expired_total")
                   .Help("HELD reservations released by this instance's sweeper at their expiry")
                   .Register(registry)
                   .Add({})) {}

void InventoryMetrics::CountReservation(const absl::Status& status) {
  std::string outcome = "held";
  if (std::optional<std::string> reason = request::RefusalReason(status)) {
    outcome = absl::AsciiStrToLower(*reason);
  } else if (absl::IsNotFound(status)) {
    outcome = "not_found";
  } else if (!status.ok()) {
    outcome = "error";
  }
  reservations_.Add({{"outcome", outcome}}).Increment();
}

void InventoryMetrics::CountExpired(int64_t reservations) {
  expired_.Increment(static_cast<double>(reservations));
}

double InventoryMetrics::Reservations(const std::string& outcome) {
  const prometheus::Labels labels = {{"outcome", outcome}};
  return reservations_.Has(labels) ? reservations_.Add(labels).Value() : 0;
}

}  // namespace pasar::inventory
