#include "api/courier_api.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "api/fields.h"
#include "api/outcomes.h"
#include "google/protobuf/util/time_util.h"
#include "pasar/request/fields.h"
#include "pasar/request/status.h"
#include "pasar/rpc/serve.h"
#include "pasar/rpc/server.h"

namespace pasar::dispatch::api {
namespace {

using auth::Principal;
using google::protobuf::util::TimeUtil;

constexpr int kMaxFixesPerMessage = 100;
constexpr int64_t kMaxCashIdr = 100'000'000;
constexpr std::size_t kMaxNoteChars = 200;

int64_t NowMs() {
  return absl::ToUnixMillis(absl::Now());
}

// What one WatchOffers stream has sent so far.
struct Sent {
  std::string offer_id, offer_job_id;
  std::string job_id;
  int64_t job_version = 0;
  bool job_withdrawn_sent = false;
  bool first_pass = true;
};

// The pending offer: a new one is sent; one that ended without the courier's answer (withdrawn,
// expired) is announced as withdrawn. False when the client is gone.
bool SendOffer(app::CourierCases& cases, const app::WatchSnapshot& snap, Sent& sent,
               grpc::ServerWriter<v1::WatchOffersResponse>* writer) {
  v1::WatchOffersResponse out;
  const std::string pending = snap.pending_offer ? snap.pending_offer->offer_id() : "";
  if (!sent.offer_id.empty() && sent.offer_id != pending) {
    const auto end = cases.OfferEnd(sent.offer_id);
    if (end && (end->first == domain::OfferState::kWithdrawn ||
                end->first == domain::OfferState::kExpired)) {
      auto* w = out.mutable_offer_withdrawn();
      w->set_offer_id(sent.offer_id);
      w->set_job_id(sent.offer_job_id);
      // An expired offer says OFFER_EXPIRED, or COURIER_OFF_DUTY when it was the timeout that
      // took the courier off duty.
      w->set_reason(end->second != v1::WITHDRAW_REASON_UNSPECIFIED
                        ? end->second
                        : v1::WITHDRAW_REASON_OFFER_EXPIRED);
      if (!writer->Write(out)) return false;
    }
    sent.offer_id.clear();
  }
  if (snap.pending_offer && pending != sent.offer_id) {
    out.Clear();
    *out.mutable_offer() = *snap.pending_offer;
    if (!writer->Write(out)) return false;
    sent.offer_id = pending;
    sent.offer_job_id = snap.pending_offer->job().id();
  }
  return true;
}

// The courier's latest job: every new version is sent while it is theirs (the final one too,
// when delivered); once it is taken back, JobWithdrawn is sent once. On connect only a job in
// progress is sent. False when the client is gone.
bool SendJob(const app::WatchSnapshot& snap, Sent& sent,
             grpc::ServerWriter<v1::WatchOffersResponse>* writer) {
  if (!snap.latest_job) return true;
  const v1::Job& job = *snap.latest_job;
  const bool in_progress = job.status() == v1::JOB_STATUS_ASSIGNED ||
                           job.status() == v1::JOB_STATUS_PICKING_UP ||
                           job.status() == v1::JOB_STATUS_DELIVERING;
  const bool taken_back = snap.withdrawn != v1::WITHDRAW_REASON_UNSPECIFIED;
  v1::WatchOffersResponse out;
  if (sent.first_pass && (taken_back || !in_progress)) {
    sent.job_id = job.id();  // history, not news
    sent.job_withdrawn_sent = true;
  } else if (taken_back) {
    if (job.id() != sent.job_id || !sent.job_withdrawn_sent) {
      out.mutable_job_withdrawn()->set_job_id(job.id());
      out.mutable_job_withdrawn()->set_reason(snap.withdrawn);
      if (!writer->Write(out)) return false;
      sent.job_id = job.id();
      sent.job_withdrawn_sent = true;
    }
  } else if (job.id() != sent.job_id || job.version() != sent.job_version) {
    *out.mutable_job_update() = job;
    if (!writer->Write(out)) return false;
    sent.job_id = job.id();
    sent.job_version = job.version();
    sent.job_withdrawn_sent = false;
  }
  return true;
}

// A location fix as the courier reported it, or nullopt when it cannot be trusted (no valid
// time, no location, negative or non-finite accuracy or speed). LiveLocations puts times on the
// server's clock and checks the rest.
std::optional<Fix> FixOf(const v1::LocationFix& f) {
  if (!f.has_recorded_at() || !ValidTimestamp(f.recorded_at()) || !f.has_location() ||
      f.accuracy_meters() < 0 || f.speed_meters_per_second() < 0 ||
      !std::isfinite(f.accuracy_meters()) || !std::isfinite(f.speed_meters_per_second())) {
    return std::nullopt;
  }
  return Fix{{f.location().lat(), f.location().lng()},
             TimeUtil::TimestampToMilliseconds(f.recorded_at())};
}

}  // namespace

grpc::Status CourierApi::StartShift(grpc::ServerContext* ctx, const v1::StartShiftRequest* req,
                                    v1::StartShiftResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (req->cash_on_hand_idr() < 0 || req->cash_on_hand_idr() > kMaxCashIdr) {
      return request::Invalid("cash_on_hand_idr", "must be 0..100000000");
    }
    if (req->has_location()) {
      if (absl::Status s = CheckLatLng("location", req->location()); !s.ok()) return s;
    }
    const app::Outcome out =
        cases_.StartShift(MakeKey(who.subject, "StartShift", *req, req->request_id()), *req, resp);
    if (!out.ok()) return Answer(out);
    if (req->has_location()) {
      const Fix fix{{req->location().lat(), req->location().lng()}, NowMs()};
      locations_.Report(resp->courier().id(), {fix}, fix.recorded_at_ms);
    }
    return absl::OkStatus();
  });
}

grpc::Status CourierApi::EndShift(grpc::ServerContext* ctx, const v1::EndShiftRequest* req,
                                  v1::EndShiftResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    std::optional<int64_t> counted;
    if (req->has_counted_cash_idr()) {
      if (absl::Status s =
              request::CheckRange("counted_cash_idr", req->counted_cash_idr(), 0, kMaxCashIdr);
          !s.ok()) {
        return s;
      }
      counted = req->counted_cash_idr();
    }
    return Answer(
        cases_.EndShift(MakeKey(who.subject, "EndShift", *req, req->request_id()), counted, resp));
  });
}

grpc::Status CourierApi::ReportLocations(grpc::ServerContext* ctx,
                                         grpc::ServerReader<v1::ReportLocationsRequest>* reader,
                                         v1::ReportLocationsResponse* resp) {
  return rpc::Serve(ctx, [&](const Principal& who) -> absl::Status {
    rpc::StreamSlot slot(ctx, who.subject);
    if (!slot.ok()) return slot.refusal();
    const auto courier_id = cases_.CourierIdBySubject(who.subject);
    if (!courier_id) return request::NotFound("courier");
    v1::ReportLocationsRequest msg;
    std::vector<Fix> fixes;
    int64_t accepted = 0;
    int64_t rejected = 0;
    while (reader->Read(&msg)) {
      if (msg.fixes_size() < 1 || msg.fixes_size() > kMaxFixesPerMessage) {
        return request::Invalid("fixes", "1..100 fixes per message");
      }
      fixes.clear();
      for (const v1::LocationFix& f : msg.fixes()) {
        if (std::optional<Fix> fix = FixOf(f)) {
          fixes.push_back(*fix);
        } else {
          ++rejected;
        }
      }
      const LiveLocations::Counts counts =
          locations_.Report(*courier_id, std::move(fixes), NowMs());
      accepted += counts.accepted;
      rejected += counts.rejected;
      if (ctx->IsCancelled() || rpc::ShuttingDown()) break;
    }
    resp->set_accepted(accepted);
    resp->set_rejected(rejected);
    return absl::OkStatus();
  });
}

grpc::Status CourierApi::WatchOffers(grpc::ServerContext* ctx, const v1::WatchOffersRequest* req,
                                     grpc::ServerWriter<v1::WatchOffersResponse>* writer) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    rpc::StreamSlot slot(ctx, who.subject);
    if (!slot.ok()) return slot.refusal();
    const auto courier_id = cases_.CourierIdBySubject(who.subject);
    if (!courier_id) return request::NotFound("courier");
    events::LiveHub::Watch watch(hub_, *courier_id);
    // Registered: no hint is missed from here on. The initial metadata tells the client that
    // the stream is live (the first pass then sends the pending offer and job, if any).
    writer->SendInitialMetadata();
    StreamOffers(ctx, *courier_id, watch, writer);
    return absl::OkStatus();
  });
}

void CourierApi::StreamOffers(grpc::ServerContext* ctx, const std::string& courier_id,
                              events::LiveHub::Watch& watch,
                              grpc::ServerWriter<v1::WatchOffersResponse>* writer) {
  Sent sent;
  absl::Time next_read = absl::InfinitePast();  // the first pass reads at once
  while (!ctx->IsCancelled() && !rpc::ShuttingDown()) {
    if (absl::Now() < next_read && !watch.Wait(absl::Seconds(1)) && absl::Now() < next_read) {
      continue;
    }
    next_read = absl::Now() + watch_backstop_;
    const app::WatchSnapshot snap = cases_.ReadWatchSnapshot(courier_id);
    if (!SendOffer(cases_, snap, sent, writer) || !SendJob(snap, sent, writer)) return;
    sent.first_pass = false;
  }
}

grpc::Status CourierApi::AcceptOffer(grpc::ServerContext* ctx, const v1::AcceptOfferRequest* req,
                                     v1::AcceptOfferResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s = request::CheckUuid("offer_id", req->offer_id()); !s.ok()) return s;
    return Answer(cases_.AcceptOffer(MakeKey(who.subject, "AcceptOffer", *req, req->request_id()),
                                     req->offer_id(), resp));
  });
}

grpc::Status CourierApi::DeclineOffer(grpc::ServerContext* ctx, const v1::DeclineOfferRequest* req,
                                      v1::DeclineOfferResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s = request::CheckUuid("offer_id", req->offer_id()); !s.ok()) return s;
    if (req->reason() == v1::DECLINE_REASON_UNSPECIFIED ||
        !v1::DeclineReason_IsValid(req->reason())) {
      return request::Invalid("reason", "required (a DeclineReason)");
    }
    if (absl::Status s = request::CheckLength("note", req->note(), 0, kMaxNoteChars); !s.ok()) {
      return s;
    }
    return Answer(cases_.DeclineOffer(MakeKey(who.subject, "DeclineOffer", *req, req->request_id()),
                                      *req, resp));
  });
}

grpc::Status CourierApi::ConfirmPickup(grpc::ServerContext* ctx,
                                       const v1::ConfirmPickupRequest* req,
                                       v1::ConfirmPickupResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s = request::FirstError(
            {request::CheckLength("job_id", req->job_id(), 1, kMaxIdChars),
             request::CheckLength("ticket_id", req->ticket_id(), 1, kMaxIdChars),
             request::CheckDigits("pickup_code", req->pickup_code(), 4)});
        !s.ok()) {
      return s;
    }
    if (req->paid_to_trader_idr() < 0) {
      return request::Invalid("paid_to_trader_idr", "must be >= 0");
    }
    return Answer(cases_.ConfirmPickup(
        MakeKey(who.subject, "ConfirmPickup", *req, req->request_id()), *req, resp));
  });
}

grpc::Status CourierApi::ConfirmDelivery(grpc::ServerContext* ctx,
                                         const v1::ConfirmDeliveryRequest* req,
                                         v1::ConfirmDeliveryResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s =
            request::FirstError({request::CheckLength("job_id", req->job_id(), 1, kMaxIdChars),
                                 request::CheckDigits("delivery_pin", req->delivery_pin(), 4)});
        !s.ok()) {
      return s;
    }
    if (req->cash_collected_idr() < 0) {
      return request::Invalid("cash_collected_idr", "must be >= 0");
    }
    return Answer(cases_.ConfirmDelivery(
        MakeKey(who.subject, "ConfirmDelivery", *req, req->request_id()), *req, resp));
  });
}

grpc::Status CourierApi::GetCurrentJob(grpc::ServerContext* ctx,
                                       const v1::GetCurrentJobRequest* req,
                                       v1::GetCurrentJobResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    return Answer(cases_.GetCurrentJob(who.subject, resp));
  });
}

}  // namespace pasar::dispatch::api
