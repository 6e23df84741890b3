#include "pasar/service/purge.h"

#include <string>
#include <utility>

#include "pasar/log/log.h"

namespace pasar::service {

PurgeConfig PurgeConfigFrom(const rpc::ServerConfig& config) {
  PurgeConfig c;
  c.retention = absl::Hours(config.ExtraInt("retention_hours", 72, 1, 24 * 365));
  return c;
}

Purger::Purger(PurgeConfig config, std::vector<PurgeStatement> statements)
    : config_(config),
      statements_(std::move(statements)),
      worker_(
          "purge", config_.every, absl::Hours(1), [this] { RunOnce(); },
          periodic::Worker::FirstRound::kAtStart) {}

int64_t Purger::RunOnce() {
  int64_t total = 0;
  for (const PurgeStatement& s : statements_) {
    int64_t deleted = 0;
    for (;;) {
      const int64_t n = s.run(config_.retention, config_.batch);
      deleted += n;
      if (n == 0 || deleted >= config_.max_rows_per_round || worker_.stopping()) break;
    }
    if (deleted > 0) {
      log::Info("purged",
                {{"table", s.table},
                 {"count", std::to_string(deleted)},
                 {"retention_hours", std::to_string(absl::ToInt64Hours(config_.retention))}});
    }
    total += deleted;
  }
  return total;
}

}  // namespace pasar::service
