#include "domain/refusal.h"

#include "absl/strings/cord.h"
#include "absl/types/optional.h"

namespace pasar::inventory {
namespace {
constexpr char kReasonPayload[] = "type.pasar/error-reason";
}

absl::Status Refused(absl::StatusCode code, std::string_view reason, std::string_view msg) {
  absl::Status status(code, std::string(msg));
  status.SetPayload(kReasonPayload, absl::Cord(std::string(reason)));
  return status;
}

std::optional<std::string> RefusalReason(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kReasonPayload);
  if (!payload) return std::nullopt;
  return std::string(*payload);
}

}  // namespace pasar::inventory
