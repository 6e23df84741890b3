// Domain refusals travelling as absl::Status: the pasar.common.v1.ErrorReason short name rides in
// a payload, so the gRPC adapters can answer with pasar::rpc::Refuse (message "REASON: msg" and
// the pasar-error-reason trailer). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace pasar::inventory {

// A status with `code`, message `msg` and the reason attached (e.g. "INSUFFICIENT_STOCK").
absl::Status Refused(absl::StatusCode code, std::string_view reason, std::string_view msg);
inline absl::Status Refused(std::string_view reason, std::string_view msg) {
  return Refused(absl::StatusCode::kFailedPrecondition, reason, msg);
}
// The reason attached by Refused, or nullopt.
std::optional<std::string> RefusalReason(const absl::Status& status);

}  // namespace pasar::inventory
