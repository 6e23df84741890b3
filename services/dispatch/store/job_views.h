// The contract's view of jobs (v1::Job with its stops): one job, and the operator's list.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pasar/dispatch/v1/dispatch.pb.h"
#include "pasar/pg/pg.h"

namespace pasar::dispatch::store {

namespace v1 = ::pasar::dispatch::v1;

std::optional<v1::Job> ReadJob(pg::Transaction& tx, const std::string& id);

// Jobs newest first (created_at desc, id desc), strictly after `after` when given: keyset
// pagination, stable while jobs are created. `next` is set when more rows follow.
struct JobCursor {
  int64_t created_at_us = 0;  // unix microseconds
  std::string id;
};
struct JobPage {
  std::vector<v1::Job> jobs;
  std::optional<JobCursor> next;
};
JobPage ListJobs(pg::Transaction& tx, const v1::ListJobsRequest& request,
                 const std::optional<JobCursor>& after, int limit);

}  // namespace pasar::dispatch::store
