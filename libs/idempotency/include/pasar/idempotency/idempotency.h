// Idempotent mutations (docs/conventions.md, "Idempotency"): every mutation request carries a
// request_id, and the service stores (caller, rpc, request_id) -> (request fingerprint, response)
// in the transaction of the change. A replay returns the stored response; the same key with a
// different request is FAILED_PRECONDITION / IDEMPOTENCY_KEY_REUSED.
//
//   pg::Migrate(pool, "reporting", "idempotency", idempotency::Migrations());
//   absl::StatusOr<std::string> bytes = idempotency::Run(
//       pool, who.subject, "SetReferencePrice", req.request_id(), idempotency::Fingerprint(req),
//       [&](pg::Transaction& tx) -> absl::StatusOr<std::string> { ...; return
//       resp.SerializeAsString(); });
//
// The table has the shape inventory's `idempotency` table already has (round 1), so a service
// can move onto this library without moving data. (The three services of round 1 each carry
// their own copy of this; this is the one they are meant to share.)
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pasar/pg/migrate.h"
#include "pasar/pg/pg.h"

namespace google::protobuf {
class Message;
}

namespace pasar::idempotency {

// idempotency(subject, rpc, request_id, request bytea, response bytea, created_at), unqualified
// (the service's schema through the pool's search_path); component "idempotency".
std::vector<pg::Migration> Migrations();

// The bytes a replay is compared on: the request's deterministic serialization.
std::string Fingerprint(const google::protobuf::Message& request);

// Runs `work` in one transaction keyed by (subject, rpc, request_id): the first call claims the
// key, runs `work` and stores the response it returns with the change, and commits; a later call
// with the same key and the same `fingerprint` returns that response without running `work`; with
// another fingerprint, FAILED_PRECONDITION refusal IDEMPOTENCY_KEY_REUSED (rpc::Refusal). When
// `work` returns an error, everything rolls back (the key stays free). Concurrent calls with one
// key serialise on the key's row. `replayed` (when given) tells whether the answer is a stored
// one. Throws what pg throws.
absl::StatusOr<std::string> Run(
    pg::Pool& pool, std::string_view subject, std::string_view rpc, std::string_view request_id,
    const std::string& fingerprint,
    const std::function<absl::StatusOr<std::string>(pg::Transaction&)>& work,
    bool* replayed = nullptr);

// Deletes up to `limit` records older than `retention`; returns how many.
int64_t Purge(pg::Pool& pool, absl::Duration retention, int limit);

}  // namespace pasar::idempotency
