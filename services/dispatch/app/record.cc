#include "app/record.h"

#include <utility>
#include <variant>

#include "absl/time/clock.h"
#include "pasar/events/events.h"
#include "pasar/events/v1/events.pb.h"
#include "pasar/ids/ids.h"
#include "store/contract.h"
#include "store/jobs.h"

namespace pasar::dispatch::app {
namespace {

namespace ev = ::pasar::events::v1;
namespace v1 = ::pasar::dispatch::v1;

// The envelope of one event and its aggregate.
struct Built {
  ev::Envelope envelope;
  std::string aggregate;
};

Built Build(const domain::OfferMade& e) {
  Built b{{}, e.courier_id};
  auto* m = b.envelope.mutable_offer_made();
  m->set_offer_id(e.offer_id);
  m->set_job_id(e.job_id);
  m->set_order_id(e.job_id);
  m->set_courier_id(e.courier_id);
  store::SetTs(m->mutable_expires_at(), e.expires_at_ms);
  return b;
}

ev::OfferOutcome ToProto(domain::OfferOutcome outcome) {
  switch (outcome) {
    case domain::OfferOutcome::kAccepted:
      return ev::OFFER_OUTCOME_ACCEPTED;
    case domain::OfferOutcome::kDeclined:
      return ev::OFFER_OUTCOME_DECLINED;
    case domain::OfferOutcome::kExpired:
      return ev::OFFER_OUTCOME_EXPIRED;
  }
  return ev::OFFER_OUTCOME_UNSPECIFIED;
}

Built Build(const domain::OfferResolved& e) {
  Built b{{}, e.courier_id};
  auto* r = b.envelope.mutable_offer_resolved();
  r->set_offer_id(e.offer_id);
  r->set_job_id(e.job_id);
  r->set_order_id(e.job_id);
  r->set_courier_id(e.courier_id);
  r->set_outcome(ToProto(e.outcome));
  r->set_decline_reason(static_cast<v1::DeclineReason>(e.decline_reason));
  return b;
}

Built Build(const domain::OfferWithdrawn& e) {
  Built b{{}, e.courier_id};
  auto* w = b.envelope.mutable_offer_withdrawn();
  w->set_offer_id(e.offer_id);
  w->set_job_id(e.job_id);
  w->set_order_id(e.job_id);
  w->set_courier_id(e.courier_id);
  w->set_reason(store::ToProto(e.reason));
  return b;
}

Built Build(const domain::CourierAssigned& e) {
  Built b{{}, e.courier_id};
  auto* a = b.envelope.mutable_courier_assigned();
  a->set_order_id(e.job_id);
  a->set_job_id(e.job_id);
  a->set_courier_id(e.courier_id);
  a->set_courier_name(e.courier_name);
  a->set_vehicle_plate(e.vehicle_plate);
  a->set_phone(e.phone);
  a->set_eta_seconds(e.eta_seconds);
  a->set_bundle_id(e.bundle_id);
  a->set_bundle_position(e.bundle_position);
  return b;
}

Built Build(const domain::CourierUnassigned& e) {
  Built b{{}, e.courier_id};
  auto* u = b.envelope.mutable_courier_unassigned();
  u->set_order_id(e.job_id);
  u->set_job_id(e.job_id);
  u->set_courier_id(e.courier_id);
  u->set_reason(store::ToProto(e.reason));
  u->set_note(e.note);
  return b;
}

Built Build(const domain::PickupConfirmed& e) {
  Built b{{}, e.courier_id};
  auto* p = b.envelope.mutable_pickup_confirmed();
  p->set_order_id(e.job_id);
  p->set_job_id(e.job_id);
  p->set_ticket_id(e.ticket_id);
  p->set_stall_id(e.stall_id);
  p->set_courier_id(e.courier_id);
  p->set_paid_to_trader_idr(e.paid_to_trader_idr);
  p->set_all_picked_up(e.all_picked_up);
  return b;
}

Built Build(const domain::DeliveryConfirmed& e) {
  Built b{{}, e.courier_id};
  auto* d = b.envelope.mutable_delivery_confirmed();
  d->set_order_id(e.job_id);
  d->set_job_id(e.job_id);
  d->set_courier_id(e.courier_id);
  d->set_cash_collected_idr(e.cash_collected_idr);
  d->set_courier_earning_idr(e.courier_earning_idr);
  return b;
}

Built Build(const domain::DispatchFailed& e) {
  Built b{{}, e.job_id};
  auto* f = b.envelope.mutable_dispatch_failed();
  f->set_order_id(e.job_id);
  f->set_job_id(e.job_id);
  f->set_reason(ev::DISPATCH_FAILURE_REASON_NO_COURIER);
  f->set_offers_made(e.offers_made);
  return b;
}

Built Build(const domain::CancellationSettled& e) {
  Built b{{}, e.order_id};
  auto* s = b.envelope.mutable_cancellation_settled();
  s->set_order_id(e.order_id);
  s->set_job_id(e.order_id);
  s->set_cancellation_id(e.cancellation_id);
  s->set_accepted(e.accepted);
  s->set_refusal(e.refusal);
  s->set_courier_id(e.courier_id);
  return b;
}

Built Build(const domain::DeliveryAttempted& e) {
  Built b{{}, e.courier_id};
  auto* a = b.envelope.mutable_delivery_attempted();
  a->set_order_id(e.job_id);
  a->set_job_id(e.job_id);
  a->set_courier_id(e.courier_id);
  a->set_outcome(static_cast<v1::DeliveryAttemptOutcome>(e.outcome));
  a->set_attempt(e.attempt);
  return b;
}

Built Build(const domain::DeliveryFailed& e) {
  Built b{{}, e.courier_id};
  auto* f = b.envelope.mutable_delivery_failed();
  f->set_order_id(e.job_id);
  f->set_job_id(e.job_id);
  f->set_courier_id(e.courier_id);
  f->set_failure_fee_idr(e.failure_fee_idr);
  f->set_compensation_idr(e.compensation_idr);
  f->set_attempts(e.attempts);
  f->set_operator_subject(e.operator_subject);
  f->set_reason(e.reason);
  return b;
}

Built Build(const domain::GoodsReturned& e) {
  Built b{{}, e.courier_id};
  auto* r = b.envelope.mutable_goods_returned();
  r->set_order_id(e.job_id);
  r->set_job_id(e.job_id);
  r->set_ticket_id(e.ticket_id);
  r->set_stall_id(e.stall_id);
  r->set_courier_id(e.courier_id);
  r->set_destination(e.destination == domain::ReturnDestination::kStall
                         ? v1::RETURN_DESTINATION_STALL
                         : v1::RETURN_DESTINATION_MARKET_OFFICE);
  r->set_amount_idr(e.amount_idr);
  r->set_all_returned(e.all_returned);
  r->set_operator_subject(e.operator_subject);
  return b;
}

// Writes the event to the outbox in the caller's transaction.
void Emit(pg::Transaction& tx, const std::string& correlation_id, Built built) {
  ev::Envelope& env = built.envelope;
  const auto* oneof = env.GetDescriptor()->FindOneofByName("payload");
  const auto* field = env.GetReflection()->GetOneofFieldDescriptor(env, oneof);
  env.set_event_id(ids::RandomUuid());
  env.set_type(field->message_type()->name());
  store::SetTs(env.mutable_occurred_at(), absl::ToUnixMillis(absl::Now()));
  env.set_producer(kProducer);
  env.set_aggregate_id(built.aggregate);
  env.set_correlation_id(correlation_id);
  events::AppendToOutbox(tx, events::OutboxEvent{env.event_id(), kDispatchStream, env.type(),
                                                 built.aggregate, env.SerializeAsString()});
}

}  // namespace

void RecordEvents(pg::Transaction& tx, const std::string& correlation_id,
                  const std::vector<domain::Event>& events) {
  for (const domain::Event& event : events) {
    Emit(tx, correlation_id, std::visit([](const auto& e) { return Build(e); }, event));
  }
}

void Record(pg::Transaction& tx, const std::string& job_id, const std::string& correlation_id,
            const domain::Decision& decision) {
  store::SaveRecords(tx, job_id, decision);
  RecordEvents(tx, correlation_id, decision.events);
}

}  // namespace pasar::dispatch::app
