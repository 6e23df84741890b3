// Failed deliveries and returns: CourierService.ReportDeliveryAttempt, DeclareDeliveryFailed and
// ConfirmReturn (role courier), DispatchOpsService.ResolveDelivery and SetFailurePolicy (role
// operator; api/access.cc). Decode and check the request, call app/exception_cases, encode.
#include <string>

#include "absl/status/statusor.h"
#include "api/courier_api.h"
#include "api/fields.h"
#include "api/ops_api.h"
#include "api/outcomes.h"
#include "pasar/request/fields.h"
#include "pasar/request/status.h"
#include "pasar/rpc/serve.h"

namespace pasar::dispatch::api {
namespace {

using auth::Principal;

constexpr std::size_t kMaxNoteChars = 500;
constexpr int64_t kMaxFeeIdr = 10'000'000;

// Which statement a request asks for: a shift (0: the latest) or a day, not both.
absl::StatusOr<app::ExceptionCases::StatementOf> StatementOfRequest(int64_t shift_id,
                                                                    const std::string& day,
                                                                    const std::string& time_zone) {
  app::ExceptionCases::StatementOf of;
  if (shift_id < 0) return request::Invalid("shift_id", "must be >= 0");
  of.shift_id = shift_id;
  if (day.empty()) {
    if (!time_zone.empty()) return request::Invalid("time_zone", "only with day");
    return of;
  }
  if (shift_id != 0) return request::Invalid("day", "give a shift_id or a day, not both");
  const absl::StatusOr<DayMs> window = ParseDay(day, time_zone);
  if (!window.ok()) return window.status();
  of.day = day;
  of.from_ms = window->from_ms;
  of.until_ms = window->until_ms;
  return of;
}

}  // namespace

grpc::Status CourierApi::ReportDeliveryAttempt(grpc::ServerContext* ctx,
                                               const v1::ReportDeliveryAttemptRequest* req,
                                               v1::ReportDeliveryAttemptResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s =
            request::FirstError({request::CheckLength("job_id", req->job_id(), 1, kMaxIdChars),
                                 request::CheckOptionalText("note", req->note(), kMaxNoteChars)});
        !s.ok()) {
      return s;
    }
    if (req->outcome() == v1::DELIVERY_ATTEMPT_OUTCOME_UNSPECIFIED ||
        !v1::DeliveryAttemptOutcome_IsValid(req->outcome())) {
      return request::Invalid("outcome",
                              "required: NO_ANSWER, REFUSED, CANNOT_PAY or "
                              "ADDRESS_WRONG");
    }
    if (!req->has_location()) return request::Invalid("location", "required");
    if (absl::Status s = CheckLatLng("location", req->location()); !s.ok()) return s;
    return Answer(exceptions_.ReportAttempt(
        MakeKey(who.subject, "ReportDeliveryAttempt", *req, req->request_id()), *req, resp));
  });
}

grpc::Status CourierApi::DeclareDeliveryFailed(grpc::ServerContext* ctx,
                                               const v1::DeclareDeliveryFailedRequest* req,
                                               v1::DeclareDeliveryFailedResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s = request::CheckLength("job_id", req->job_id(), 1, kMaxIdChars); !s.ok()) {
      return s;
    }
    return Answer(exceptions_.DeclareFailed(
        MakeKey(who.subject, "DeclareDeliveryFailed", *req, req->request_id()), *req, resp));
  });
}

grpc::Status CourierApi::ConfirmReturn(grpc::ServerContext* ctx,
                                       const v1::ConfirmReturnRequest* req,
                                       v1::ConfirmReturnResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s = request::FirstError(
            {request::CheckLength("job_id", req->job_id(), 1, kMaxIdChars),
             request::CheckLength("ticket_id", req->ticket_id(), 1, kMaxIdChars),
             request::CheckDigits("stall_code", req->stall_code(), 4)});
        !s.ok()) {
      return s;
    }
    if (req->refunded_idr() < 0) return request::Invalid("refunded_idr", "must be >= 0");
    return Answer(exceptions_.ConfirmReturn(
        MakeKey(who.subject, "ConfirmReturn", *req, req->request_id()), *req, resp));
  });
}

grpc::Status CourierApi::GetMyStatement(grpc::ServerContext* ctx,
                                        const v1::GetMyStatementRequest* req,
                                        v1::GetMyStatementResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    const auto of = StatementOfRequest(req->shift_id(), req->day(), req->time_zone());
    if (!of.ok()) return of.status();
    return Answer(exceptions_.StatementOfSubject(who.subject, *of, resp->mutable_statement()));
  });
}

grpc::Status OpsApi::GetCourierStatement(grpc::ServerContext* ctx,
                                         const v1::GetCourierStatementRequest* req,
                                         v1::GetCourierStatementResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal&) -> absl::Status {
    if (absl::Status s = request::CheckUuid("courier_id", req->courier_id()); !s.ok()) return s;
    const auto of = StatementOfRequest(req->shift_id(), req->day(), req->time_zone());
    if (!of.ok()) return of.status();
    return Answer(
        exceptions_.StatementOfCourier(req->courier_id(), *of, resp->mutable_statement()));
  });
}

grpc::Status OpsApi::ResolveDelivery(grpc::ServerContext* ctx,
                                     const v1::ResolveDeliveryRequest* req,
                                     v1::ResolveDeliveryResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    if (absl::Status s =
            request::FirstError({request::CheckLength("job_id", req->job_id(), 1, kMaxIdChars),
                                 request::CheckText("reason", req->reason(), kMaxNoteChars)});
        !s.ok()) {
      return s;
    }
    if (req->action() == v1::RESOLVE_ACTION_UNSPECIFIED ||
        !v1::ResolveAction_IsValid(req->action())) {
      return request::Invalid("action",
                              "required: DECLARE_FAILED, RECEIVE_AT_OFFICE or MARK_DELIVERED");
    }
    return Answer(exceptions_.Resolve(
        MakeKey(who.subject, "ResolveDelivery", *req, req->request_id()), *req, resp));
  });
}

grpc::Status OpsApi::SetFailurePolicy(grpc::ServerContext* ctx,
                                      const v1::SetFailurePolicyRequest* req,
                                      v1::SetFailurePolicyResponse* resp) {
  return rpc::Serve(ctx, *req, [&](const Principal& who) -> absl::Status {
    const v1::FailurePolicy& p = req->policy();
    if (absl::Status s = request::FirstError(
            {request::CheckLength("policy.market_id", p.market_id(), 1, kMaxIdChars),
             request::CheckRange("policy.wait_minutes", p.wait_minutes(), 0,
                                 domain::kMaxWaitMinutes),
             request::CheckRange("policy.min_attempts", p.min_attempts(), domain::kMinAttempts,
                                 domain::kMaxAttempts),
             request::CheckRange("policy.arrival_radius_meters", p.arrival_radius_meters(),
                                 domain::kMinArrivalRadius, domain::kMaxArrivalRadius),
             request::CheckRange("policy.failure_fee_idr", p.failure_fee_idr(), 0, kMaxFeeIdr)});
        !s.ok()) {
      return s;
    }
    return Answer(exceptions_.SetPolicy(
        MakeKey(who.subject, "SetFailurePolicy", *req, req->request_id()), p, resp));
  });
}

}  // namespace pasar::dispatch::api
