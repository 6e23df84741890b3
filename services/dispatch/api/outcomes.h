// How the adapters call the idempotent use cases (app/) and answer what they decided: the
// idempotency key of a mutation (its fingerprint is pasar::request::Fingerprint), and a use
// case refusal as the absl::Status rpc::Serve answers (with its ErrorReason).
#pragma once

#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "app/outcome.h"
#include "store/idempotency.h"

namespace pasar::dispatch::api {

// The idempotency key of a mutation by `subject`.
store::IdemKey MakeKey(const std::string& subject, std::string_view rpc,
                       const google::protobuf::Message& request, const std::string& request_id);

// OK for no refusal; NOT_FOUND, or the refusal with its reason (FAILED_PRECONDITION, or
// RESOURCE_EXHAUSTED TOO_MANY_ATTEMPTS, ALREADY_EXISTS).
absl::Status Answer(const app::Outcome& outcome);

}  // namespace pasar::dispatch::api
