// Plain-data fixtures of the dispatch decisions' tests (decisions_test, trip_decisions_test): a
// job, a courier, an offer, a pickup stop and the holders of a job, with fixed test values.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "domain/decisions.h"

namespace pasar::dispatch::testing {

namespace d = pasar::dispatch::domain;

inline d::Job MakeJob(d::JobState state, std::string courier_id = "") {
  d::Job job;
  job.id = "order-1";
  job.market_id = "m-1";
  job.correlation_id = "corr-1";
  job.state = state;
  job.courier_id = std::move(courier_id);
  job.goods_total_idr = 50'000;
  job.cash_to_collect_idr = 62'000;
  job.delivery_fee_idr = 10'000;
  job.delivery_pin = "1234";
  job.stops = 2;
  job.offers_made = 1;
  return job;
}

inline d::Courier MakeCourier(d::CourierState state, int64_t cash = 100'000, std::string job = "") {
  d::Courier c;
  c.id = "courier-1";
  c.state = state;
  c.cash_on_hand_idr = cash;
  c.current_job_id = std::move(job);
  c.name = "Budi";
  c.vehicle_plate = "N 1 A";
  c.phone = "+6281234567890";
  return c;
}

inline d::Offer MakeOffer(std::string courier_id = "courier-1") {
  d::Offer o;
  o.id = "offer-1";
  o.job_id = "order-1";
  o.courier_id = std::move(courier_id);
  o.eta_seconds = 94;
  return o;
}

inline d::Stop MakeStop(std::string ticket, int64_t amount) {
  d::Stop s;
  s.ticket_id = std::move(ticket);
  s.stall_id = "stall-" + s.ticket_id;
  s.amount_idr = amount;
  s.pickup_code = "1111";
  return s;
}

inline d::Holders Offered(d::Offer* offer, d::Courier* courier) {
  d::Holders h;
  h.offer = offer;
  h.offered_to = courier;
  return h;
}

inline d::Holders AssignedTo(d::Courier* courier) {
  d::Holders h;
  h.assigned = courier;
  return h;
}

}  // namespace pasar::dispatch::testing
