#include "api/ops_api.h"

#include <charconv>
#include <optional>
#include <regex>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/common.h"
#include "google/protobuf/util/time_util.h"
#include "pasar/ids/ids.h"
#include "pasar/rpc/server.h"
#include "pasar/rpc/status.h"

namespace pasar::dispatch::api {
namespace {

using auth::Role;
using google::protobuf::util::TimeUtil;

constexpr int64_t kMaxRadiusMeters = 50'000;

bool IsE164(const std::string& phone) {
  static const std::regex kE164(R"(\+[1-9][0-9]{6,14})");
  return std::regex_match(phone, kE164);
}

}  // namespace

grpc::Status OpsApi::CreateCourier(grpc::ServerContext* ctx, const v1::CreateCourierRequest* req,
                                   v1::CreateCourierResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kOperator});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    DSP_RETURN_IF(CheckRequestId(req->request_id()));
    DSP_RETURN_IF(CheckLength("subject", req->subject(), 1, kMaxIdChars));
    DSP_RETURN_IF(CheckLength("name", req->name(), 1, 100));
    if (!req->phone().empty() && !IsE164(req->phone())) {
      return rpc::InvalidArgument("phone", "must be E.164, e.g. +6281234567890");
    }
    DSP_RETURN_IF(CheckLength("vehicle_plate", req->vehicle_plate(), 1, 16));
    DSP_RETURN_IF(CheckLength("home_market_id", req->home_market_id(), 1, kMaxIdChars));
    return ToStatus(
        ctx, cases_.CreateCourier(MakeKey(who->subject, "CreateCourier", *req, req->request_id()),
                                  *req, resp));
  });
}

grpc::Status OpsApi::ListCouriers(grpc::ServerContext* ctx, const v1::ListCouriersRequest* req,
                                  v1::ListCouriersResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kOperator});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    if (req->has_near()) {
      DSP_RETURN_IF(CheckLatLng("near", req->near()));
      if (req->radius_meters() < 1 || req->radius_meters() > kMaxRadiusMeters) {
        return rpc::InvalidArgument("radius_meters", "must be 1..50000 with near");
      }
    }
    for (int i = 0; i < req->states_size(); ++i) {
      if (req->states(i) == v1::COURIER_STATE_UNSPECIFIED ||
          !v1::CourierState_IsValid(req->states(i))) {
        return rpc::InvalidArgument("states[" + std::to_string(i) + "]", "not a courier state");
      }
    }
    DSP_RETURN_IF(CheckLength("home_market_id", req->home_market_id(), 0, kMaxIdChars));
    int limit = 0;
    DSP_RETURN_IF(PageSize(req->page_size(), &limit));
    // Position: "<distance in whole meters, 0 without near>.<id>" of the last courier of the
    // previous page.
    std::string position;
    DSP_RETURN_IF(DecodePageToken(*req, &position));
    std::optional<store::CourierCursor> after;
    if (!position.empty()) {
      after.emplace();
      const char* begin = position.data();
      const char* end = begin + position.size();
      const auto [dot, ec] = std::from_chars(begin, end, after->distance_m);
      if (ec != std::errc() || after->distance_m < 0 || dot == end || *dot != '.') {
        return rpc::InvalidArgument("page_token", "malformed");
      }
      after->id.assign(dot + 1, end);
      if (!ids::IsUuid(after->id)) return rpc::InvalidArgument("page_token", "malformed");
    }
    store::CourierPage page = cases_.ListCouriers(*req, after, limit);
    if (page.next) {
      resp->set_next_page_token(
          EncodePageToken(*req, absl::StrCat(page.next->distance_m, ".", page.next->id)));
    }
    for (auto& c : page.couriers)
      *resp->add_couriers() = std::move(c);
    return grpc::Status::OK;
  });
}

grpc::Status OpsApi::GetJob(grpc::ServerContext* ctx, const v1::GetJobRequest* req,
                            v1::GetJobResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kOperator});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    DSP_RETURN_IF(CheckLength("job_id", req->job_id(), 1, kMaxIdChars));
    auto job = cases_.GetJob(req->job_id());
    if (!job) return rpc::NotFound("job");
    *resp->mutable_job() = std::move(*job);
    return grpc::Status::OK;
  });
}

grpc::Status OpsApi::ListJobs(grpc::ServerContext* ctx, const v1::ListJobsRequest* req,
                              v1::ListJobsResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kOperator});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    DSP_RETURN_IF(CheckLength("market_id", req->market_id(), 0, kMaxIdChars));
    for (int i = 0; i < req->statuses_size(); ++i) {
      if (req->statuses(i) == v1::JOB_STATUS_UNSPECIFIED ||
          !v1::JobStatus_IsValid(req->statuses(i))) {
        return rpc::InvalidArgument("statuses[" + std::to_string(i) + "]", "not a job status");
      }
    }
    int limit = 0;
    DSP_RETURN_IF(PageSize(req->page_size(), &limit));
    // Position: "<created_at in unix microseconds>.<id>" of the last job of the previous page.
    std::string position;
    DSP_RETURN_IF(DecodePageToken(*req, &position));
    std::optional<store::JobCursor> after;
    if (!position.empty()) {
      after.emplace();
      const char* begin = position.data();
      const char* end = begin + position.size();
      const auto [dot, ec] = std::from_chars(begin, end, after->created_at_us);
      if (ec != std::errc() || dot == end || *dot != '.' || dot + 1 == end) {
        return rpc::InvalidArgument("page_token", "malformed");
      }
      after->id.assign(dot + 1, end);
    }
    store::JobPage page = cases_.ListJobs(*req, after, limit);
    if (page.next) {
      resp->set_next_page_token(
          EncodePageToken(*req, absl::StrCat(page.next->created_at_us, ".", page.next->id)));
    }
    for (auto& j : page.jobs)
      *resp->add_jobs() = std::move(j);
    return grpc::Status::OK;
  });
}

grpc::Status OpsApi::GetStats(grpc::ServerContext* ctx, const v1::GetStatsRequest* req,
                              v1::GetStatsResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kOperator});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    DSP_RETURN_IF(CheckLength("market_id", req->market_id(), 0, kMaxIdChars));
    const int64_t now_ms = absl::ToUnixMillis(absl::Now());
    int64_t since_ms = now_ms - 24 * 3600 * 1000;
    if (req->has_since()) {
      if (!ValidTimestamp(req->since())) return rpc::InvalidArgument("since", "not a timestamp");
      since_ms = TimeUtil::TimestampToMilliseconds(req->since());
      if (since_ms > now_ms) return rpc::InvalidArgument("since", "must not be in the future");
    }
    cases_.Stats(req->market_id(), since_ms, resp);
    return grpc::Status::OK;
  });
}

grpc::Status OpsApi::UnassignCourier(grpc::ServerContext* ctx,
                                     const v1::UnassignCourierRequest* req,
                                     v1::UnassignCourierResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kOperator});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    DSP_RETURN_IF(CheckRequestId(req->request_id()));
    DSP_RETURN_IF(CheckLength("job_id", req->job_id(), 1, kMaxIdChars));
    DSP_RETURN_IF(CheckLength("note", req->note(), 0, 200));
    return ToStatus(
        ctx, cases_.UnassignCourier(
                 MakeKey(who->subject, "UnassignCourier", *req, req->request_id()), *req, resp));
  });
}

}  // namespace pasar::dispatch::api
