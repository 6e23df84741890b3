// Metadata keys both sides of a Pasar call agree on (docs/conventions.md, "Errors").
#pragma once

namespace pasar::rpc {

// Trailing metadata key carrying the pasar.common.v1.ErrorReason name of a domain refusal.
inline constexpr char kErrorReasonKey[] = "pasar-error-reason";

}  // namespace pasar::rpc
