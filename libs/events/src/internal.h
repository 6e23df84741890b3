// What the outbox relay (events.cc) and the consumer (consumer.cc) share. Not installed.
#pragma once

#include <atomic>

#include "absl/time/time.h"

namespace pasar::events::internal {

inline constexpr int kPurgeLimit = 1000;  // rows per DELETE: purging never holds long locks
inline constexpr absl::Duration kMinBackoff = absl::Milliseconds(50);
inline constexpr absl::Duration kMaxBackoff = absl::Seconds(5);

// Sleeps `d` in short steps, returning early once `stop` is set.
void SleepUnlessStopped(absl::Duration d, const std::atomic<bool>& stop);

}  // namespace pasar::events::internal
