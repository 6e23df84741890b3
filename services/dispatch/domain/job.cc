#include "domain/job.h"

namespace pasar::dispatch::domain {

bool Allows(const Job& job, JobEvent event) {
  return NextJobState(job.state, event).has_value();
}

bool Allows(const Offer& offer, OfferEvent event) {
  return NextOfferState(offer.state, event).has_value();
}

bool Allows(const Courier& courier, CourierEvent event) {
  return NextCourierState(courier.state, event).has_value();
}

bool Apply(Job& job, JobEvent event) {
  const std::optional<JobState> next = NextJobState(job.state, event);
  if (!next) return false;
  job.state = *next;
  job.transition = event;
  return true;
}

bool Apply(Offer& offer, OfferEvent event) {
  const std::optional<OfferState> next = NextOfferState(offer.state, event);
  if (!next) return false;
  offer.state = *next;
  offer.changed = true;
  return true;
}

bool Apply(Courier& courier, CourierEvent event) {
  const std::optional<CourierState> next = NextCourierState(courier.state, event);
  if (!next) return false;
  courier.state = *next;
  courier.changed = true;
  return true;
}

}  // namespace pasar::dispatch::domain
