#include "api/access.h"

#include "pasar/dispatch/v1/dispatch.grpc.pb.h"

namespace pasar::dispatch::api {

rpc::AccessTable Access() {
  using auth::Role;
  namespace v1 = ::pasar::dispatch::v1;
  rpc::AccessTable table;
  for (const char* m : {"StartShift", "EndShift", "ReportLocations", "WatchOffers", "AcceptOffer",
                        "DeclineOffer", "ConfirmPickup", "ConfirmDelivery", "GetCurrentJob"}) {
    table.push_back(
        {rpc::MethodName(v1::CourierService::service_full_name(), m), {Role::kCourier}});
  }
  for (const char* m :
       {"CreateCourier", "ListCouriers", "GetJob", "ListJobs", "GetStats", "UnassignCourier"}) {
    table.push_back(
        {rpc::MethodName(v1::DispatchOpsService::service_full_name(), m), {Role::kOperator}});
  }
  return table;
}

}  // namespace pasar::dispatch::api
