#include "pasar/request/status.h"

#include "absl/strings/cord.h"
#include "absl/types/optional.h"

namespace pasar::request {
namespace {
constexpr char kReasonPayload[] = "type.pasar/error-reason";
}  // namespace

absl::Status Refused(std::string_view reason, std::string_view msg, absl::StatusCode code) {
  absl::Status status(code, absl::string_view(msg.data(), msg.size()));
  status.SetPayload(kReasonPayload, absl::Cord(absl::string_view(reason.data(), reason.size())));
  return status;
}

std::optional<std::string> RefusalReason(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kReasonPayload);
  if (!payload) return std::nullopt;
  return std::string(*payload);
}

absl::Status NotFound(std::string_view what) {
  return absl::NotFoundError(std::string(what) + " not found");
}

}  // namespace pasar::request
