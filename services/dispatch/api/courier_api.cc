#include "api/courier_api.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "api/common.h"
#include "google/protobuf/util/time_util.h"
#include "pasar/rpc/server.h"
#include "pasar/rpc/status.h"

namespace pasar::dispatch::api {
namespace {

using auth::Role;
using google::protobuf::util::TimeUtil;

constexpr int kMaxFixesPerMessage = 100;
constexpr int64_t kMaxCashIdr = 100'000'000;
constexpr std::size_t kMaxNoteChars = 200;

int64_t NowMs() {
  return absl::ToUnixMillis(absl::Now());
}

}  // namespace

grpc::Status CourierApi::StartShift(grpc::ServerContext* ctx, const v1::StartShiftRequest* req,
                                    v1::StartShiftResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kCourier});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    DSP_RETURN_IF(CheckRequestId(req->request_id()));
    if (req->cash_on_hand_idr() < 0 || req->cash_on_hand_idr() > kMaxCashIdr) {
      return rpc::InvalidArgument("cash_on_hand_idr", "must be 0..100000000");
    }
    if (req->has_location()) DSP_RETURN_IF(CheckLatLng("location", req->location()));
    const app::Outcome out =
        cases_.StartShift(MakeKey(who->subject, "StartShift", *req, req->request_id()), *req, resp);
    if (!out.ok()) return ToStatus(ctx, out);
    if (req->has_location()) {
      const Fix fix{{req->location().lat(), req->location().lng()}, NowMs()};
      locations_.Report(resp->courier().id(), {fix}, fix.recorded_at_ms);
    }
    return grpc::Status::OK;
  });
}

grpc::Status CourierApi::EndShift(grpc::ServerContext* ctx, const v1::EndShiftRequest* req,
                                  v1::EndShiftResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kCourier});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    DSP_RETURN_IF(CheckRequestId(req->request_id()));
    return ToStatus(
        ctx, cases_.EndShift(MakeKey(who->subject, "EndShift", *req, req->request_id()), resp));
  });
}

grpc::Status CourierApi::ReportLocations(grpc::ServerContext* ctx,
                                         grpc::ServerReader<v1::ReportLocationsRequest>* reader,
                                         v1::ReportLocationsResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kCourier});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    rpc::StreamSlot slot(ctx, who->subject);
    if (!slot.ok()) return slot.status();
    const auto courier_id = cases_.CourierIdBySubject(who->subject);
    if (!courier_id) return rpc::NotFound("courier");
    v1::ReportLocationsRequest msg;
    std::vector<Fix> fixes;
    int64_t accepted = 0;
    int64_t rejected = 0;
    while (reader->Read(&msg)) {
      if (msg.fixes_size() < 1 || msg.fixes_size() > kMaxFixesPerMessage) {
        return rpc::InvalidArgument("fixes", "1..100 fixes per message");
      }
      fixes.clear();
      for (const v1::LocationFix& f : msg.fixes()) {
        // Fixes without a (valid) time or with negative accuracy/speed cannot be trusted:
        // rejected. LiveLocations puts times on the server's clock and checks the rest.
        if (!f.has_recorded_at() || !ValidTimestamp(f.recorded_at()) || !f.has_location() ||
            f.accuracy_meters() < 0 || f.speed_meters_per_second() < 0 ||
            !std::isfinite(f.accuracy_meters()) || !std::isfinite(f.speed_meters_per_second())) {
          ++rejected;
          continue;
        }
        fixes.push_back(Fix{{f.location().lat(), f.location().lng()},
                            TimeUtil::TimestampToMilliseconds(f.recorded_at())});
      }
      const int64_t now_ms = NowMs();
      const LiveLocations::Counts counts = locations_.Report(*courier_id, std::move(fixes), now_ms);
      accepted += counts.accepted;
      rejected += counts.rejected;
      if (ctx->IsCancelled() || rpc::ShuttingDown()) break;
    }
    resp->set_accepted(accepted);
    resp->set_rejected(rejected);
    return grpc::Status::OK;
  });
}

grpc::Status CourierApi::WatchOffers(grpc::ServerContext* ctx, const v1::WatchOffersRequest*,
                                     grpc::ServerWriter<v1::WatchOffersResponse>* writer) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kCourier});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    rpc::StreamSlot slot(ctx, who->subject);
    if (!slot.ok()) return slot.status();
    const auto courier_id = cases_.CourierIdBySubject(who->subject);
    if (!courier_id) return rpc::NotFound("courier");
    WatchRegistration registration(hub_, *courier_id);
    // Registered: no hint is missed from here on. The initial metadata tells the client that
    // the stream is live (the first pass below then sends the pending offer and job, if any).
    writer->SendInitialMetadata();

    std::string offer_id, offer_job_id;
    std::string job_id;
    int64_t job_version = 0;
    bool job_withdrawn_sent = false;
    bool first_pass = true;
    absl::Time next_read = absl::InfinitePast();  // the first pass reads at once
    while (!ctx->IsCancelled() && !rpc::ShuttingDown()) {
      if (absl::Now() < next_read && !registration.signal().Wait(absl::Seconds(1)) &&
          absl::Now() < next_read) {
        continue;
      }
      next_read = absl::Now() + watch_backstop_;
      const app::WatchSnapshot snap = cases_.ReadWatchSnapshot(*courier_id);
      v1::WatchOffersResponse out;

      // The pending offer: a new one is sent; one that ended without the courier's answer
      // (withdrawn, expired) is announced as withdrawn.
      const std::string pending = snap.pending_offer ? snap.pending_offer->offer_id() : "";
      if (!offer_id.empty() && offer_id != pending) {
        const auto end = cases_.OfferEnd(offer_id);
        if (end && (end->first == domain::OfferState::kWithdrawn ||
                    end->first == domain::OfferState::kExpired)) {
          auto* w = out.mutable_offer_withdrawn();
          w->set_offer_id(offer_id);
          w->set_job_id(offer_job_id);
          // An expired offer says OFFER_EXPIRED, or COURIER_OFF_DUTY when it was the timeout
          // that took the courier off duty.
          w->set_reason(end->second != v1::WITHDRAW_REASON_UNSPECIFIED
                            ? end->second
                            : v1::WITHDRAW_REASON_OFFER_EXPIRED);
          if (!writer->Write(out)) break;
        }
        offer_id.clear();
      }
      if (snap.pending_offer && pending != offer_id) {
        out.Clear();
        *out.mutable_offer() = *snap.pending_offer;
        if (!writer->Write(out)) break;
        offer_id = pending;
        offer_job_id = snap.pending_offer->job().id();
      }

      // The courier's latest job: every new version is sent while it is theirs (the final one
      // too, when delivered); once it is taken back, JobWithdrawn is sent once. On connect only
      // a job in progress is sent.
      if (snap.latest_job) {
        const v1::Job& job = *snap.latest_job;
        const bool in_progress = job.status() == v1::JOB_STATUS_ASSIGNED ||
                                 job.status() == v1::JOB_STATUS_PICKING_UP ||
                                 job.status() == v1::JOB_STATUS_DELIVERING;
        const bool taken_back = snap.withdrawn != v1::WITHDRAW_REASON_UNSPECIFIED;
        if (first_pass && (taken_back || !in_progress)) {
          job_id = job.id();  // history, not news
          job_withdrawn_sent = true;
        } else if (taken_back) {
          if (job.id() != job_id || !job_withdrawn_sent) {
            out.Clear();
            out.mutable_job_withdrawn()->set_job_id(job.id());
            out.mutable_job_withdrawn()->set_reason(snap.withdrawn);
            if (!writer->Write(out)) break;
            job_id = job.id();
            job_withdrawn_sent = true;
          }
        } else if (job.id() != job_id || job.version() != job_version) {
          out.Clear();
          *out.mutable_job_update() = job;
          if (!writer->Write(out)) break;
          job_id = job.id();
          job_version = job.version();
          job_withdrawn_sent = false;
        }
      }
      first_pass = false;
    }
    return grpc::Status::OK;
  });
}

grpc::Status CourierApi::AcceptOffer(grpc::ServerContext* ctx, const v1::AcceptOfferRequest* req,
                                     v1::AcceptOfferResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kCourier});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    DSP_RETURN_IF(CheckRequestId(req->request_id()));
    DSP_RETURN_IF(CheckUuid("offer_id", req->offer_id()));
    return ToStatus(
        ctx, cases_.AcceptOffer(MakeKey(who->subject, "AcceptOffer", *req, req->request_id()),
                                req->offer_id(), resp));
  });
}

grpc::Status CourierApi::DeclineOffer(grpc::ServerContext* ctx, const v1::DeclineOfferRequest* req,
                                      v1::DeclineOfferResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kCourier});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    DSP_RETURN_IF(CheckRequestId(req->request_id()));
    DSP_RETURN_IF(CheckUuid("offer_id", req->offer_id()));
    if (req->reason() == v1::DECLINE_REASON_UNSPECIFIED ||
        !v1::DeclineReason_IsValid(req->reason())) {
      return rpc::InvalidArgument("reason", "required (a DeclineReason)");
    }
    DSP_RETURN_IF(CheckLength("note", req->note(), 0, kMaxNoteChars));
    return ToStatus(
        ctx, cases_.DeclineOffer(MakeKey(who->subject, "DeclineOffer", *req, req->request_id()),
                                 *req, resp));
  });
}

grpc::Status CourierApi::ConfirmPickup(grpc::ServerContext* ctx,
                                       const v1::ConfirmPickupRequest* req,
                                       v1::ConfirmPickupResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kCourier});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    DSP_RETURN_IF(CheckRequestId(req->request_id()));
    DSP_RETURN_IF(CheckLength("job_id", req->job_id(), 1, kMaxIdChars));
    DSP_RETURN_IF(CheckLength("ticket_id", req->ticket_id(), 1, kMaxIdChars));
    DSP_RETURN_IF(CheckDigits("pickup_code", req->pickup_code(), 4));
    if (req->paid_to_trader_idr() < 0) {
      return rpc::InvalidArgument("paid_to_trader_idr", "must be >= 0");
    }
    return ToStatus(
        ctx, cases_.ConfirmPickup(MakeKey(who->subject, "ConfirmPickup", *req, req->request_id()),
                                  *req, resp));
  });
}

grpc::Status CourierApi::ConfirmDelivery(grpc::ServerContext* ctx,
                                         const v1::ConfirmDeliveryRequest* req,
                                         v1::ConfirmDeliveryResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kCourier});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    DSP_RETURN_IF(CheckRequestId(req->request_id()));
    DSP_RETURN_IF(CheckLength("job_id", req->job_id(), 1, kMaxIdChars));
    DSP_RETURN_IF(CheckDigits("delivery_pin", req->delivery_pin(), 4));
    if (req->cash_collected_idr() < 0) {
      return rpc::InvalidArgument("cash_collected_idr", "must be >= 0");
    }
    return ToStatus(
        ctx, cases_.ConfirmDelivery(
                 MakeKey(who->subject, "ConfirmDelivery", *req, req->request_id()), *req, resp));
  });
}

grpc::Status CourierApi::GetCurrentJob(grpc::ServerContext* ctx, const v1::GetCurrentJobRequest*,
                                       v1::GetCurrentJobResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kCourier});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    return ToStatus(ctx, cases_.GetCurrentJob(who->subject, resp));
  });
}

}  // namespace pasar::dispatch::api
