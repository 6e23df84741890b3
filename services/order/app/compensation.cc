#include "app/compensation.h"

#include <chrono>

#include "pasar/log/log.h"

namespace pasar::order {

HoldReleaser::HoldReleaser(InventoryClient& inventory, absl::Duration deadline)
    : inventory_(inventory), deadline_(deadline) {}

InventoryClient::Deadline HoldReleaser::Deadline() const {
  return std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline_);
}

HoldReleaser::Outcome HoldReleaser::ReplayAndRelease(const inv::ReserveStockRequest& request,
                                                     const std::string& why, const InUse& in_use) {
  inv::ReserveStockResponse replay;
  const Upstream u = inventory_.ReserveStock(request, Deadline(), &replay);
  if (!u.ok()) {
    if (InventoryClient::OutcomeUnknown(u)) {
      log::Log("warn", "compensation: inventory unreachable on replay",
               {{"correlation_id", request.order_id()},
                {"request_id", request.request_id()},
                {"error", u.status.error_message()}});
      return Outcome::kUnknown;
    }
    log::Log("info", "compensation: replay refused, nothing held",
             {{"correlation_id", request.order_id()},
              {"request_id", request.request_id()},
              {"error", u.status.error_message()}});
    return Outcome::kSettled;
  }
  // An expired or released hold needs nothing; a committed one belongs to an order.
  const inv::Reservation& r = replay.reservation();
  if (r.state() != inv::RESERVATION_STATE_HELD) return Outcome::kSettled;
  if (in_use && in_use(r.reservation_id())) {
    log::Log("info", "compensation: an order was placed on the hold, kept",
             {{"correlation_id", request.order_id()}, {"reservation_id", r.reservation_id()}});
    return Outcome::kSettled;
  }
  return Release(r.reservation_id(), why);
}

HoldReleaser::Outcome HoldReleaser::Release(const std::string& reservation_id,
                                            const std::string& why) {
  const Upstream u =
      inventory_.ReleaseReservation(reservation_id, "release-" + reservation_id, why, Deadline());
  if (u.ok()) {
    log::Log("info", "compensation: hold released",
             {{"reservation_id", reservation_id}, {"reason", why}});
    return Outcome::kSettled;
  }
  log::Log("warn", "compensation: release failed",
           {{"reservation_id", reservation_id}, {"error", u.status.error_message()}});
  return InventoryClient::OutcomeUnknown(u) ? Outcome::kUnknown : Outcome::kSettled;
}

}  // namespace pasar::order
