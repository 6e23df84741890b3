// DispatchOpsService.GetDispatchReport and SetMarketDispatch (role operator): the dispatch
// report of a market and a day or window, and a market's matching policy.
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/common.h"
#include "api/ops_api.h"
#include "google/protobuf/util/time_util.h"
#include "pasar/rpc/server.h"
#include "pasar/rpc/status.h"

namespace pasar::dispatch::api {
namespace {

using auth::Role;
using google::protobuf::util::TimeUtil;

constexpr int64_t kDayMs = 24 * 3600 * 1000;
constexpr int64_t kMaxWindowMs = 31 * kDayMs;
constexpr char kDefaultTimeZone[] = "Asia/Jakarta";

// The window [*from_ms, *to_ms) of the request: its day in its time zone, or since/until.
std::optional<grpc::Status> WindowOf(const v1::GetDispatchReportRequest& req, int64_t now_ms,
                                     int64_t* from_ms, int64_t* to_ms) {
  if (!req.day().empty()) {
    if (req.has_since() || req.has_until()) {
      return rpc::InvalidArgument("day", "give a day or since/until, not both");
    }
    absl::CivilDay day;
    if (req.day().size() != 10 || !absl::ParseCivilTime(req.day(), &day)) {
      return rpc::InvalidArgument("day", "must be YYYY-MM-DD");
    }
    absl::TimeZone zone;
    const std::string name = req.time_zone().empty() ? kDefaultTimeZone : req.time_zone();
    if (name.size() > 64 || !absl::LoadTimeZone(name, &zone)) {
      return rpc::InvalidArgument("time_zone", "not an IANA time zone");
    }
    *from_ms = absl::ToUnixMillis(absl::FromCivil(day, zone));
    *to_ms = absl::ToUnixMillis(absl::FromCivil(day + 1, zone));
    return std::nullopt;
  }
  if (!req.time_zone().empty()) return rpc::InvalidArgument("time_zone", "only with day");
  *to_ms = now_ms;
  if (req.has_until()) {
    if (!ValidTimestamp(req.until())) return rpc::InvalidArgument("until", "not a timestamp");
    *to_ms = TimeUtil::TimestampToMilliseconds(req.until());
  }
  *from_ms = *to_ms - kDayMs;
  if (req.has_since()) {
    if (!ValidTimestamp(req.since())) return rpc::InvalidArgument("since", "not a timestamp");
    *from_ms = TimeUtil::TimestampToMilliseconds(req.since());
  }
  if (*from_ms >= *to_ms) return rpc::InvalidArgument("until", "must be after since");
  if (*to_ms - *from_ms > kMaxWindowMs) {
    return rpc::InvalidArgument("since", "the window is at most 31 days");
  }
  return std::nullopt;
}

}  // namespace

grpc::Status OpsApi::GetDispatchReport(grpc::ServerContext* ctx,
                                       const v1::GetDispatchReportRequest* req,
                                       v1::GetDispatchReportResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kOperator});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    DSP_RETURN_IF(CheckLength("market_id", req->market_id(), 0, kMaxIdChars));
    int64_t from_ms = 0;
    int64_t to_ms = 0;
    DSP_RETURN_IF(WindowOf(*req, absl::ToUnixMillis(absl::Now()), &from_ms, &to_ms));
    return ToStatus(ctx, reports_.Report(req->market_id(), from_ms, to_ms, resp));
  });
}

grpc::Status OpsApi::SetMarketDispatch(grpc::ServerContext* ctx,
                                       const v1::SetMarketDispatchRequest* req,
                                       v1::SetMarketDispatchResponse* resp) {
  return rpc::Guard([&]() -> grpc::Status {
    auto who = rpc::Authenticate(ctx, verifier_, {Role::kOperator});
    if (!who.ok()) return rpc::ToGrpc(who.status());
    DSP_RETURN_IF(CheckRequestId(req->request_id()));
    DSP_RETURN_IF(CheckLength("settings.market_id", req->settings().market_id(), 1, kMaxIdChars));
    if (!v1::MatchingPolicy_IsValid(req->settings().policy())) {
      return rpc::InvalidArgument("settings.policy", "not a matching policy");
    }
    if (req->settings().has_updated_at()) {
      return rpc::InvalidArgument("settings.updated_at", "set by the service");
    }
    return ToStatus(
        ctx, reports_.SetMarketDispatch(
                 MakeKey(who->subject, "SetMarketDispatch", *req, req->request_id()), *req, resp));
  });
}

}  // namespace pasar::dispatch::api
