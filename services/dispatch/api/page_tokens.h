// The page tokens of ListCouriers and ListJobs (pasar/request/page_token.h), bound to the
// request's filters: the position is the store's keyset cursor of the previous page's last row.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "pasar/dispatch/v1/dispatch.pb.h"
#include "store/couriers.h"
#include "store/job_views.h"

namespace pasar::dispatch::api {

// nullopt for the first page; INVALID_ARGUMENT "page_token: ..." otherwise.
absl::StatusOr<std::optional<store::CourierCursor>> CursorOf(
    const pasar::dispatch::v1::ListCouriersRequest& req);
std::string TokenOf(const pasar::dispatch::v1::ListCouriersRequest& req,
                    const store::CourierCursor& cursor);

absl::StatusOr<std::optional<store::JobCursor>> CursorOf(
    const pasar::dispatch::v1::ListJobsRequest& req);
std::string TokenOf(const pasar::dispatch::v1::ListJobsRequest& req,
                    const store::JobCursor& cursor);

}  // namespace pasar::dispatch::api
