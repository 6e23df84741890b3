#include "api/ops_api.h"

#include <optional>
#include <string>

#include "absl/time/clock.h"
#include "api/fields.h"
#include "api/outcomes.h"
#include "api/page_tokens.h"
#include "google/protobuf/util/time_util.h"
#include "pasar/request/fields.h"
#include "pasar/request/status.h"
#include "pasar/rpc/serve.h"

namespace pasar::dispatch::api {
namespace {

using auth::Principal;
using google::protobuf::util::TimeUtil;

constexpr int64_t kMaxRadiusMeters = 50'000;
constexpr size_t kMaxNameChars = 100;
constexpr size_t kMaxPlateChars = 16;
constexpr size_t kMaxNoteChars = 200;

absl::Status CheckListCouriers(const v1::ListCouriersRequest& req) {
  if (req.has_near()) {
    if (absl::Status s = CheckLatLng("near", req.near()); !s.ok()) return s;
    if (req.radius_meters() < 1 || req.radius_meters() > kMaxRadiusMeters) {
      return request::Invalid("radius_meters", "must be 1..50000 with near");
    }
  }
  for (int i = 0; i < req.states_size(); ++i) {
    if (req.states(i) == v1::COURIER_STATE_UNSPECIFIED ||
        !v1::CourierState_IsValid(req.states(i))) {
      return request::Invalid("states[" + std::to_string(i) + "]", "not a courier state");
    }
  }
  return request::CheckLength("home_market_id", req.home_market_id(), 0, kMaxIdChars);
}

}  // namespace

grpc::Status OpsApi::CreateCourier(grpc::ServerContext* ctx, const v1::CreateCourierRequest* req,
                                   v1::CreateCourierResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s =
            request::FirstError({request::CheckLength("subject", req->subject(), 1, kMaxIdChars),
                                 request::CheckLength("name", req->name(), 1, kMaxNameChars)});
        !s.ok()) {
      return s;
    }
    if (!req->phone().empty() && !IsE164(req->phone())) {
      return request::Invalid("phone", "must be E.164, e.g. +6281234567890");
    }
    if (absl::Status s = request::FirstError(
            {request::CheckLength("vehicle_plate", req->vehicle_plate(), 1, kMaxPlateChars),
             request::CheckLength("home_market_id", req->home_market_id(), 1, kMaxIdChars)});
        !s.ok()) {
      return s;
    }
    return Answer(cases_.CreateCourier(
        MakeKey(who.subject, "CreateCourier", *req, req->request_id()), *req, resp));
  });
}

grpc::Status OpsApi::ListCouriers(grpc::ServerContext* ctx, const v1::ListCouriersRequest* req,
                                  v1::ListCouriersResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal&) -> absl::Status {
    if (absl::Status s = CheckListCouriers(*req); !s.ok()) return s;
    absl::StatusOr<int> limit = request::PageSize(req->page_size());
    if (!limit.ok()) return limit.status();
    absl::StatusOr<std::optional<store::CourierCursor>> after = CursorOf(*req);
    if (!after.ok()) return after.status();
    store::CourierPage page = cases_.ListCouriers(*req, *after, *limit);
    if (page.next) resp->set_next_page_token(TokenOf(*req, *page.next));
    for (auto& c : page.couriers)
      *resp->add_couriers() = std::move(c);
    return absl::OkStatus();
  });
}

grpc::Status OpsApi::GetJob(grpc::ServerContext* ctx, const v1::GetJobRequest* req,
                            v1::GetJobResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal&) -> absl::Status {
    if (absl::Status s = request::CheckLength("job_id", req->job_id(), 1, kMaxIdChars); !s.ok()) {
      return s;
    }
    auto job = cases_.GetJob(req->job_id());
    if (!job) return request::NotFound("job");
    *resp->mutable_job() = std::move(*job);
    return absl::OkStatus();
  });
}

grpc::Status OpsApi::ListJobs(grpc::ServerContext* ctx, const v1::ListJobsRequest* req,
                              v1::ListJobsResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal&) -> absl::Status {
    if (absl::Status s = request::CheckLength("market_id", req->market_id(), 0, kMaxIdChars);
        !s.ok()) {
      return s;
    }
    for (int i = 0; i < req->statuses_size(); ++i) {
      if (req->statuses(i) == v1::JOB_STATUS_UNSPECIFIED ||
          !v1::JobStatus_IsValid(req->statuses(i))) {
        return request::Invalid("statuses[" + std::to_string(i) + "]", "not a job status");
      }
    }
    absl::StatusOr<int> limit = request::PageSize(req->page_size());
    if (!limit.ok()) return limit.status();
    absl::StatusOr<std::optional<store::JobCursor>> after = CursorOf(*req);
    if (!after.ok()) return after.status();
    store::JobPage page = cases_.ListJobs(*req, *after, *limit);
    if (page.next) resp->set_next_page_token(TokenOf(*req, *page.next));
    for (auto& j : page.jobs)
      *resp->add_jobs() = std::move(j);
    return absl::OkStatus();
  });
}

grpc::Status OpsApi::GetStats(grpc::ServerContext* ctx, const v1::GetStatsRequest* req,
                              v1::GetStatsResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal&) -> absl::Status {
    if (absl::Status s = request::CheckLength("market_id", req->market_id(), 0, kMaxIdChars);
        !s.ok()) {
      return s;
    }
    const int64_t now_ms = absl::ToUnixMillis(absl::Now());
    int64_t since_ms = now_ms - 24 * 3600 * 1000;
    if (req->has_since()) {
      if (!ValidTimestamp(req->since())) return request::Invalid("since", "not a timestamp");
      since_ms = TimeUtil::TimestampToMilliseconds(req->since());
      if (since_ms > now_ms) return request::Invalid("since", "must not be in the future");
    }
    cases_.Stats(req->market_id(), since_ms, resp);
    return absl::OkStatus();
  });
}

grpc::Status OpsApi::UnassignCourier(grpc::ServerContext* ctx,
                                     const v1::UnassignCourierRequest* req,
                                     v1::UnassignCourierResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s =
            request::FirstError({request::CheckLength("job_id", req->job_id(), 1, kMaxIdChars),
                                 request::CheckLength("note", req->note(), 0, kMaxNoteChars)});
        !s.ok()) {
      return s;
    }
    return Answer(cases_.UnassignCourier(
        MakeKey(who.subject, "UnassignCourier", *req, req->request_id()), *req, resp));
  });
}

}  // namespace pasar::dispatch::api
