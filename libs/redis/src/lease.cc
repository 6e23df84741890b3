#include <algorithm>

#include "absl/time/clock.h"
#include "pasar/redis/redis.h"

namespace pasar::redis {
namespace {

// Compare-and-set on the holder value: only the holder extends or deletes the lease.
constexpr std::string_view kRenewScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
constexpr std::string_view kReleaseScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('DEL', KEYS[1]) else return 0 end";

}  // namespace

Lease::Lease(Client& client, std::string name, std::string holder, absl::Duration ttl)
    : client_(client),
      key_(client.Key("lease." + name)),
      holder_(std::move(holder)),
      ttl_(std::max(ttl, absl::Milliseconds(1))) {}

Lease::~Lease() {
  if (!valid_until_.has_value()) return;
  try {
    Release();
  } catch (const Error&) {
    // The lease expires by itself.
  }
}

bool Lease::TryAcquire() {
  const absl::Time start = absl::Now();
  const std::string px = std::to_string(absl::ToInt64Milliseconds(ttl_));
  const Reply r = client_.Command({"SET", key_, holder_, "NX", "PX", px});
  if (r.is_nil()) return Renew();  // taken: by us (then extended) or by someone else
  valid_until_ = start + ttl_;
  return true;
}

bool Lease::Renew() {
  const absl::Time start = absl::Now();
  const std::string px = std::to_string(absl::ToInt64Milliseconds(ttl_));
  const Reply r = client_.Command({"EVAL", std::string(kRenewScript), "1", key_, holder_, px});
  if (r.integer() == 1) {
    valid_until_ = start + ttl_;
    return true;
  }
  valid_until_.reset();
  return false;
}

void Lease::Release() {
  valid_until_.reset();
  client_.Command({"EVAL", std::string(kReleaseScript), "1", key_, holder_});
}

bool Lease::held() const {
  return valid_until_.has_value() && absl::Now() < *valid_until_;
}

}  // namespace pasar::redis
