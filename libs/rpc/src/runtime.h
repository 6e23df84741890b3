// Process-wide state of libs/rpc shared by Host, Authenticate and StreamSlot. A process runs
// one Host; Host::Start installs its limits here (tests starting several Hosts in one process
// share the limits of the last one started).
#pragma once

#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace google::protobuf {
class Descriptor;
class Message;
}  // namespace google::protobuf

namespace pasar::rpc::internal {

struct Limits {
  absl::Duration deadline_cap = absl::Seconds(30);
  int rate_limit_per_second = 200;     // <= 0: unlimited
  int max_streams_per_principal = 16;  // <= 0: unlimited
};

void InstallLimits(const Limits& limits);
Limits CurrentLimits();

// Token bucket per subject (burst = one second's worth). False when the subject is over its rate.
bool TakeRateToken(std::string_view subject);
// Concurrent stream counter per subject.
bool AcquireStream(const std::string& subject);
void ReleaseStream(const std::string& subject);

// Set when a Host starts draining, cleared when a Host starts (see ShuttingDown()).
void SetShuttingDown(bool value);

// The whole content of the file at `path` (PEM certificates and keys); throws
// std::runtime_error naming the path when it cannot be read.
std::string ReadFile(const std::string& path);

// The name of a gRPC status code ("OK", "NOT_FOUND", ...).
std::string_view CodeName(int code);

// The request type of `method` ("/pasar.order.v1.OrderService/GetOrder") when it is a method of
// a generated protobuf service (not grpc.*) whose request holds id fields; null otherwise.
const google::protobuf::Descriptor* RequestTypeOf(const std::string& method);
// Lower-cases every UUID (of either case) in the id fields of `message`, nested messages
// included: string fields named `id`, `*_id` or `*_ids`, except `request_id`. Values that are not
// UUIDs are left as they are (the handler refuses them as before).
void CanonicaliseIds(google::protobuf::Message& message);

// Metadata key of the request id.
inline constexpr char kRequestIdKey[] = "x-request-id";

}  // namespace pasar::rpc::internal
