// The contract's values (pasar.dispatch.v1, pasar.events.v1) for the domain's, and back: the
// names are the same (domain/lifecycle.h), the protos add their enum prefix.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>

#include "domain/lifecycle.h"
#include "pasar/dispatch/v1/dispatch.pb.h"

namespace pasar::dispatch::store {

namespace v1 = ::pasar::dispatch::v1;

void SetTs(google::protobuf::Timestamp* ts, int64_t unix_ms);

v1::JobStatus ToProto(domain::JobState state);
v1::CourierState ToProto(domain::CourierState state);
v1::WithdrawReason ToProto(domain::WithdrawReason reason);
std::optional<domain::JobState> FromProto(v1::JobStatus status);
std::optional<domain::CourierState> FromProto(v1::CourierState state);

// A database name to the proto (UNSPECIFIED for anything else, e.g. "" for none).
v1::JobStatus JobStatusOf(std::string_view name);
v1::CourierState CourierStateOf(std::string_view name);
v1::WithdrawReason WithdrawReasonOf(std::string_view name);

// "TOO_FAR" for DECLINE_REASON_TOO_FAR (what offers.decline_reason keeps).
std::string_view DeclineReasonName(int reason);

}  // namespace pasar::dispatch::store
