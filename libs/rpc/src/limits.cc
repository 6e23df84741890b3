// Authentication and the per-principal limits: rate (token bucket), concurrent streams,
// deadline cap.
#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <span>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "admission.h"
#include "pasar/request/status.h"
#include "pasar/rpc/metadata.h"
#include "pasar/rpc/server.h"
#include "pasar/rpc/status.h"
#include "runtime.h"

namespace pasar::rpc {
namespace internal {
namespace {

// Idle buckets are dropped once the map holds this many subjects (they are full again anyway).
constexpr size_t kSweepThreshold = 10000;

class RateLimiter final {
 public:
  // False when `subject` has no token left; refills at `per_second`, holds at most one second's.
  bool Take(std::string_view subject, int per_second, absl::Time now) {
    if (per_second <= 0) return true;
    const double rate = per_second;
    absl::MutexLock lock(&mu_);
    if (buckets_.size() >= kSweepThreshold && now - last_sweep_ > absl::Seconds(1)) {
      Sweep(rate, now);
    }
    auto [it, inserted] = buckets_.try_emplace(std::string(subject), Bucket{rate, now});
    Bucket& bucket = it->second;
    if (!inserted) {
      bucket.tokens =
          std::min(rate, bucket.tokens + absl::ToDoubleSeconds(now - bucket.last) * rate);
      bucket.last = now;
    }
    if (bucket.tokens < 1.0) return false;
    bucket.tokens -= 1.0;
    return true;
  }

 private:
  struct Bucket {
    double tokens;
    absl::Time last;
  };

  void Sweep(double rate, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const absl::Duration refill = absl::Seconds(1.0 + 1.0 / rate);
    absl::erase_if(buckets_, [&](const auto& entry) { return now - entry.second.last > refill; });
    last_sweep_ = now;
  }

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  absl::Time last_sweep_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

class StreamCounter final {
 public:
  bool Acquire(const std::string& subject, int max) {
    absl::MutexLock lock(&mu_);
    int& count = counts_[subject];
    if (max > 0 && count >= max) return false;
    ++count;
    return true;
  }
  void Release(const std::string& subject) {
    absl::MutexLock lock(&mu_);
    auto it = counts_.find(subject);
    if (it != counts_.end() && --it->second <= 0) counts_.erase(it);
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> counts_ ABSL_GUARDED_BY(mu_);
};

// Leaked on purpose: used by handler threads that may outlive static destruction.
absl::Mutex limits_mu;
Limits& LimitsRef() ABSL_EXCLUSIVE_LOCKS_REQUIRED(limits_mu) {
  static auto* limits = new Limits();
  return *limits;
}
RateLimiter& Rates() {
  static auto* limiter = new RateLimiter();
  return *limiter;
}
StreamCounter& Streams() {
  static auto* counter = new StreamCounter();
  return *counter;
}

constexpr std::array<std::string_view, 17> kCodeNames{
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

std::atomic<bool> shutting_down{false};

}  // namespace

void SetShuttingDown(bool value) {
  shutting_down.store(value);
}

void InstallLimits(const Limits& limits) {
  absl::MutexLock lock(&limits_mu);
  LimitsRef() = limits;
}

Limits CurrentLimits() {
  absl::MutexLock lock(&limits_mu);
  return LimitsRef();
}

bool TakeRateToken(std::string_view subject) {
  return Rates().Take(subject, CurrentLimits().rate_limit_per_second, absl::Now());
}

bool AcquireStream(const std::string& subject) {
  return Streams().Acquire(subject, CurrentLimits().max_streams_per_principal);
}

void ReleaseStream(const std::string& subject) {
  Streams().Release(subject);
}

std::string_view CodeName(int code) {
  if (code < 0 || code >= static_cast<int>(kCodeNames.size())) return "UNKNOWN";
  return kCodeNames[code];
}

}  // namespace internal

namespace {

// pasar.common.v1.ErrorReason of both limits (errors.proto: ERROR_REASON_RATE_LIMITED).
constexpr char kRateLimited[] = "RATE_LIMITED";

std::string_view View(const grpc::string_ref& ref) {
  return {ref.data(), ref.size()};
}

bool StartsWithBearer(std::string_view value) {
  constexpr std::string_view kBearer = "bearer ";
  if (value.size() < kBearer.size()) return false;
  for (size_t i = 0; i < kBearer.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kBearer[i]) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<auth::Principal> Authenticate(grpc::ServerContext* ctx,
                                             const auth::Verifier& verifier,
                                             std::initializer_list<auth::Role> allowed) {
  return internal::Authenticate(ctx, verifier,
                                std::span<const auth::Role>(allowed.begin(), allowed.size()));
}

absl::StatusOr<auth::Principal> internal::Authenticate(grpc::ServerContext* ctx,
                                                       const auth::Verifier& verifier,
                                                       std::span<const auth::Role> allowed) {
  if (ctx == nullptr) return absl::UnauthenticatedError("no call context");
  const auto& metadata = ctx->client_metadata();
  const auto [first, last] = metadata.equal_range("authorization");
  if (first == last) {
    return absl::UnauthenticatedError("missing authorization metadata (\"Bearer <jwt>\")");
  }
  if (std::next(first) != last) {
    return absl::UnauthenticatedError("more than one authorization metadata entry");
  }
  const std::string_view value = View(first->second);
  if (!StartsWithBearer(value)) {
    return absl::UnauthenticatedError("authorization must be \"Bearer <jwt>\"");
  }
  absl::StatusOr<auth::Principal> principal = verifier.Verify(value);
  if (!principal.ok()) return principal.status();

  if (allowed.size() > 0 &&
      std::find(allowed.begin(), allowed.end(), principal->role) == allowed.end()) {
    const std::string_view role = auth::RoleName(principal->role);
    return absl::PermissionDeniedError(absl::StrCat(
        "role ", absl::string_view(role.data(), role.size()), " may not call this method"));
  }
  // Peer services (role `service`) carry the load of many people: the per-person limit would
  // throttle the whole system behind one subject, so they are not rate limited here.
  if (principal->role != auth::Role::kService && !internal::TakeRateToken(principal->subject)) {
    ctx->AddTrailingMetadata(kErrorReasonKey, kRateLimited);
    return absl::ResourceExhaustedError(absl::StrCat(
        kRateLimited, ": rate limit of ", internal::CurrentLimits().rate_limit_per_second,
        " requests per second exceeded"));
  }
  if (ctx->deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError("deadline already expired");
  }
  return principal;
}

bool ShuttingDown() {
  return internal::shutting_down.load();
}

std::chrono::system_clock::time_point EffectiveDeadline(const grpc::ServerContext* ctx) {
  const auto cap = std::chrono::system_clock::now() +
                   std::chrono::duration_cast<std::chrono::system_clock::duration>(
                       absl::ToChronoNanoseconds(internal::CurrentLimits().deadline_cap));
  if (ctx == nullptr) return cap;
  return std::min(ctx->deadline(), cap);
}

absl::Duration TimeLeft(const grpc::ServerContext* ctx) {
  const auto left = EffectiveDeadline(ctx) - std::chrono::system_clock::now();
  return std::max(absl::FromChrono(left), absl::ZeroDuration());
}

std::string RequestId(const grpc::ServerContext* ctx) {
  if (ctx == nullptr) return {};
  const auto& metadata = ctx->client_metadata();
  auto it = metadata.find(internal::kRequestIdKey);
  if (it == metadata.end()) return {};
  return std::string(View(it->second));
}

StreamSlot::StreamSlot(grpc::ServerContext* ctx, std::string subject)
    : ctx_(ctx), subject_(std::move(subject)) {
  acquired_ = internal::AcquireStream(subject_);
}

StreamSlot::~StreamSlot() {
  if (acquired_) internal::ReleaseStream(subject_);
}

StreamSlot::StreamSlot(StreamSlot&& other) noexcept
    : ctx_(other.ctx_),
      subject_(std::move(other.subject_)),
      acquired_(std::exchange(other.acquired_, false)) {}

grpc::Status StreamSlot::status() const {
  if (acquired_) return grpc::Status::OK;
  return Refuse(
      ctx_, grpc::StatusCode::RESOURCE_EXHAUSTED, kRateLimited,
      absl::StrCat("too many concurrent streams (limit ",
                   internal::CurrentLimits().max_streams_per_principal, " per principal)"));
}

absl::Status StreamSlot::refusal() const {
  if (acquired_) return absl::OkStatus();
  return request::Refused(
      kRateLimited,
      absl::StrCat("too many concurrent streams (limit ",
                   internal::CurrentLimits().max_streams_per_principal, " per principal)"),
      absl::StatusCode::kResourceExhausted);
}

}  // namespace pasar::rpc
