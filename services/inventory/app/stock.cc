#include "app/stock.h"

#include "app/idempotent.h"
#include "pasar/request/status.h"

namespace pasar::inventory {

absl::Status StockHolds::Reserve(const auth::Principal& who, const pb::ReserveStockRequest& req,
                                 pb::ReserveStockResponse* resp) {
  ReserveInput input{
      .market_id = req.market_id(),
      .order_id = req.order_id(),
      .lines = {},
      .ttl = req.ttl_seconds() == 0 ? default_ttl_ : absl::Seconds(req.ttl_seconds()),
      .actor = who.subject};
  for (const pb::ReserveLine& l : req.lines()) {
    input.lines.push_back({l.product_id(), l.quantity()});
  }
  return Mutate(
      store_, who, "ReserveStock", req, resp,
      [&](pg::Transaction& tx, pb::ReserveStockResponse& out) -> absl::Status {
        absl::StatusOr<pb::Reservation> v = store_.Reserve(tx, input, absl::Now());
        if (metrics_ != nullptr) metrics_->CountReservation(v.status());
        if (!v.ok()) return v.status();
        *out.mutable_reservation() = std::move(*v);
        return absl::OkStatus();
      },
      // A caller that lost the first answer (PlaceOrder after a timeout) must not take a hold
      // that is gone for a live one. The lines and their prices are the reservation's own
      // snapshot either way. Reservations are never deleted; were one missing, the stored answer
      // stands.
      [&](pb::ReserveStockResponse& stored) {
        std::optional<pb::Reservation> now =
            store_.GetReservation(stored.reservation().reservation_id());
        if (now) *stored.mutable_reservation() = std::move(*now);
      });
}

absl::Status StockHolds::Commit(const auth::Principal& who, const pb::CommitReservationRequest& req,
                                pb::CommitReservationResponse* resp) {
  std::vector<FinalQuantity> finals;
  for (const pb::CommitLine& l : req.lines()) {
    finals.push_back({l.product_id(), l.final_quantity()});
  }
  return Mutate(store_, who, "CommitReservation", req, resp,
                [&](pg::Transaction& tx, pb::CommitReservationResponse& out) -> absl::Status {
                  absl::StatusOr<pb::Reservation> v = store_.Commit(
                      tx, req.reservation_id(), finals, "lines", "final_quantity", who.subject);
                  if (!v.ok()) return v.status();
                  *out.mutable_reservation() = std::move(*v);
                  return absl::OkStatus();
                });
}

absl::Status StockHolds::Release(const auth::Principal& who,
                                 const pb::ReleaseReservationRequest& req,
                                 pb::ReleaseReservationResponse* resp) {
  return Mutate(store_, who, "ReleaseReservation", req, resp,
                [&](pg::Transaction& tx, pb::ReleaseReservationResponse& out) -> absl::Status {
                  absl::StatusOr<pb::Reservation> v =
                      store_.Release(tx, req.reservation_id(), req.reason(), who.subject);
                  if (!v.ok()) return v.status();
                  *out.mutable_reservation() = std::move(*v);
                  return absl::OkStatus();
                });
}

absl::Status StockHolds::Get(const std::string& reservation_id, pb::Reservation* out) {
  std::optional<pb::Reservation> v = store_.GetReservation(reservation_id);
  if (!v) return request::NotFound("reservation");
  *out = std::move(*v);
  return absl::OkStatus();
}

}  // namespace pasar::inventory
