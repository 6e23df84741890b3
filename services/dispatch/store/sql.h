// Shared pieces of the store's SQL (string literals, so that queries stay compile-time
// constants). Timestamps travel as unix milliseconds.
//
// States are written as parameters (domain::Name), but a state in a WHERE clause is a literal:
// the partial indexes (jobs_pending_by_market, jobs_open_deadline, jobs_assigned, the offers'
// one-pending indexes) only serve queries whose predicate the planner sees. The literals are the
// domain's names (checked by dispatch_job_lifecycle_test).
#pragma once

#define DSP_MS(col) "(extract(epoch from " col ") * 1000)::bigint"
