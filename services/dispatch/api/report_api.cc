// DispatchOpsService.GetDispatchReport and SetMarketDispatch (role operator, api/access.cc): the
// dispatch report of a market and a day or window, and a market's matching policy.
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/fields.h"
#include "api/ops_api.h"
#include "api/outcomes.h"
#include "google/protobuf/util/time_util.h"
#include "pasar/request/fields.h"
#include "pasar/request/status.h"
#include "pasar/rpc/serve.h"

namespace pasar::dispatch::api {
namespace {

using auth::Principal;
using google::protobuf::util::TimeUtil;

constexpr int64_t kDayMs = 24 * 3600 * 1000;
constexpr int64_t kMaxWindowMs = 31 * kDayMs;

struct Window {
  int64_t from_ms = 0;
  int64_t to_ms = 0;
};

// The request's day in its time zone.
absl::StatusOr<Window> DayOf(const v1::GetDispatchReportRequest& req) {
  if (req.has_since() || req.has_until()) {
    return request::Invalid("day", "give a day or since/until, not both");
  }
  const absl::StatusOr<DayMs> day = ParseDay(req.day(), req.time_zone());
  if (!day.ok()) return day.status();
  return Window{day->from_ms, day->until_ms};
}

// The window of the request: its day, or since/until (unset: the 24 hours before now).
absl::StatusOr<Window> WindowOf(const v1::GetDispatchReportRequest& req, int64_t now_ms) {
  if (!req.day().empty()) return DayOf(req);
  if (!req.time_zone().empty()) return request::Invalid("time_zone", "only with day");
  Window w{0, now_ms};
  if (req.has_until()) {
    if (!ValidTimestamp(req.until())) return request::Invalid("until", "not a timestamp");
    w.to_ms = TimeUtil::TimestampToMilliseconds(req.until());
  }
  w.from_ms = w.to_ms - kDayMs;
  if (req.has_since()) {
    if (!ValidTimestamp(req.since())) return request::Invalid("since", "not a timestamp");
    w.from_ms = TimeUtil::TimestampToMilliseconds(req.since());
  }
  if (w.from_ms >= w.to_ms) return request::Invalid("until", "must be after since");
  if (w.to_ms - w.from_ms > kMaxWindowMs) {
    return request::Invalid("since", "the window is at most 31 days");
  }
  return w;
}

}  // namespace

grpc::Status OpsApi::GetDispatchReport(grpc::ServerContext* ctx,
                                       const v1::GetDispatchReportRequest* req,
                                       v1::GetDispatchReportResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal&) -> absl::Status {
    if (absl::Status s = request::CheckLength("market_id", req->market_id(), 0, kMaxIdChars);
        !s.ok()) {
      return s;
    }
    const absl::StatusOr<Window> w = WindowOf(*req, absl::ToUnixMillis(absl::Now()));
    if (!w.ok()) return w.status();
    return Answer(reports_.Report(req->market_id(), w->from_ms, w->to_ms, resp));
  });
}

grpc::Status OpsApi::SetMarketDispatch(grpc::ServerContext* ctx,
                                       const v1::SetMarketDispatchRequest* req,
                                       v1::SetMarketDispatchResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s =
            request::CheckLength("settings.market_id", req->settings().market_id(), 1, kMaxIdChars);
        !s.ok()) {
      return s;
    }
    if (!v1::MatchingPolicy_IsValid(req->settings().policy())) {
      return request::Invalid("settings.policy", "not a matching policy");
    }
    if (req->settings().stacking_minutes() < 0 || req->settings().stacking_minutes() > 60) {
      return request::Invalid("settings.stacking_minutes", "must be 0 (off) to 60 minutes");
    }
    if (req->settings().has_updated_at()) {
      return request::Invalid("settings.updated_at", "set by the service");
    }
    return Answer(reports_.SetMarketDispatch(
        MakeKey(who.subject, "SetMarketDispatch", *req, req->request_id()), *req, resp));
  });
}

}  // namespace pasar::dispatch::api
