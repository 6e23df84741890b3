#include "workers/sweeper.h"

namespace pasar::dispatch {

Sweeper::Sweeper(app::SweeperCases& cases, SweeperConfig config)
    : cases_(cases),
      config_(config),
      // No back-off, like the matcher: deadlines are applied at the first round after an outage.
      worker_("dispatch sweeper", config_.every, config_.every, [this] { RunOnce(); }) {}

Sweeper::~Sweeper() {
  Stop();
}

int Sweeper::RunOnce() {
  int done = cases_.ExpireOffers(config_.batch);
  done += cases_.FailOverdueJobs(config_.batch);
  done += cases_.ReleaseSilentCouriers(config_.stale_assigned, config_.batch);
  if (metrics_ != nullptr) metrics_->timers_fired.Increment(done);
  return done;
}

}  // namespace pasar::dispatch
