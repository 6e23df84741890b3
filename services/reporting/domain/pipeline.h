// Today's pipeline of each market (ReportingService.GetPipeline) and the status an order has by
// its facts. Pure.
#pragma once

#include <string>
#include <vector>

#include "domain/facts.h"
#include "domain/report.h"
#include "pasar/reporting/v1/reporting.pb.h"

namespace pasar::reporting {

// The order's status by its facts (in order): CANCELLED or DELIVERED once either happened, else
// RETURNED once the last stop's goods are back, DELIVERY_FAILED once the delivery failed,
// PICKED_UP after the last stop's pickup, COURIER_ASSIGNED while a courier holds the job,
// CONFIRMED, PLACED.
order::v1::OrderStatus StatusOf(const OrderRecord& order);
// The courier holding the order's job now (assigned, not released, the order neither delivered
// nor cancelled nor its goods all returned); empty when none.
std::string CourierHolding(const OrderRecord& order);

// One entry per market of `markets` (or only `market_id`), by kecamatan, name and id, for the
// market's local day of `now`. `orders` must hold every order placed that day and every order
// still open; `stalls` the stalls as inventory last announced them.
v1::GetPipelineResponse ComputePipeline(absl::Time now, const std::string& market_id,
                                        const Markets& markets,
                                        const std::vector<StallInfo>& stalls,
                                        const std::vector<OrderRecord>& orders);

}  // namespace pasar::reporting
