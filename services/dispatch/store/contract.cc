#include "store/contract.h"

#include <string>

#include <google/protobuf/util/time_util.h>

namespace pasar::dispatch::store {
namespace {

// The value of the proto enum named `prefix` + `name`, or its zero (UNSPECIFIED).
template <class E, class Parse>
E ParseProto(std::string_view prefix, std::string_view name, Parse parse) {
  E value{};
  if (!name.empty()) parse(std::string(prefix) + std::string(name), &value);
  return value;
}

// "COURIER_STATE_IDLE" -> "IDLE".
std::string_view Short(const std::string& full, std::string_view prefix) {
  return std::string_view(full).substr(full.starts_with(prefix) ? prefix.size() : 0);
}

}  // namespace

void SetTs(google::protobuf::Timestamp* ts, int64_t unix_ms) {
  *ts = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(unix_ms);
}

v1::JobStatus JobStatusOf(std::string_view name) {
  return ParseProto<v1::JobStatus>("JOB_STATUS_", name, v1::JobStatus_Parse);
}

v1::CourierState CourierStateOf(std::string_view name) {
  return ParseProto<v1::CourierState>("COURIER_STATE_", name, v1::CourierState_Parse);
}

v1::WithdrawReason WithdrawReasonOf(std::string_view name) {
  return ParseProto<v1::WithdrawReason>("WITHDRAW_REASON_", name, v1::WithdrawReason_Parse);
}

v1::JobStatus ToProto(domain::JobState state) {
  return JobStatusOf(domain::Name(state));
}

v1::CourierState ToProto(domain::CourierState state) {
  return CourierStateOf(domain::Name(state));
}

v1::WithdrawReason ToProto(domain::WithdrawReason reason) {
  return WithdrawReasonOf(domain::Name(reason));
}

std::optional<domain::JobState> FromProto(v1::JobStatus status) {
  const std::string& name = v1::JobStatus_Name(status);
  return domain::ParseJobState(Short(name, "JOB_STATUS_"));
}

std::optional<domain::CourierState> FromProto(v1::CourierState state) {
  const std::string& name = v1::CourierState_Name(state);
  return domain::ParseCourierState(Short(name, "COURIER_STATE_"));
}

std::string_view DeclineReasonName(int reason) {
  const std::string& name = v1::DeclineReason_Name(static_cast<v1::DeclineReason>(reason));
  return Short(name, "DECLINE_REASON_");
}

}  // namespace pasar::dispatch::store
