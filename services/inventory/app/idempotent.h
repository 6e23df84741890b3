// Idempotent mutations of the inventory service: one transaction per (caller, rpc, request_id)
// with its idempotency record (Store::RunIdempotent; fingerprints from
// pasar::request::Fingerprint). Used by the use cases of app/.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "pasar/auth/auth.h"
#include "pasar/pg/pg.h"
#include "pasar/request/idempotency.h"
#include "store/store.h"

namespace pasar::inventory {

// Answers a replay with the response exactly as stored.
struct AsStored final {
  template <class Response>
  void operator()(Response& /*stored*/) const {}
};

// Runs `fill(tx, response)` once per (caller, rpc, request_id) in one transaction with its
// idempotency record; a replay gets the stored response, passed through `on_replay(response)`
// for RPCs whose replay answers the current state of what the first call created.
template <class Request, class Response, class Fill, class OnReplay = AsStored>
absl::Status Mutate(Store& store, const auth::Principal& who, std::string_view rpc,
                    const Request& req, Response* resp, Fill&& fill,
                    OnReplay&& on_replay = OnReplay{}) {
  bool replayed = false;
  absl::StatusOr<std::string> bytes = store.RunIdempotent(
      who.subject, rpc, req.request_id(), request::Fingerprint(req),
      [&](pg::Transaction& tx) -> absl::StatusOr<std::string> {
        Response fresh;
        if (absl::Status s = fill(tx, fresh); !s.ok()) return s;
        return fresh.SerializeAsString();
      },
      &replayed);
  if (!bytes.ok()) return bytes.status();
  if (!resp->ParseFromString(*bytes)) return absl::InternalError("stored response unreadable");
  if (replayed) on_replay(*resp);
  return absl::OkStatus();
}

}  // namespace pasar::inventory
