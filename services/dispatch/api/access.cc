#include "api/access.h"

#include "pasar/dispatch/v1/dispatch.grpc.pb.h"

namespace pasar::dispatch::api {

rpc::AccessTable Access() {
  using auth::Role;
  namespace v1 = ::pasar::dispatch::v1;
  rpc::AccessTable table;
  for (const char* m :
       {"StartShift", "EndShift", "ReportLocations", "WatchOffers", "AcceptOffer", "DeclineOffer",
        "ConfirmPickup", "ConfirmDelivery", "GetCurrentJob", "ReportDeliveryAttempt",
        "DeclareDeliveryFailed", "ConfirmReturn", "GetMyStatement"}) {
    table.push_back(
        {rpc::MethodName(v1::CourierService::service_full_name(), m), {Role::kCourier}});
  }
  for (const char* m :
       {"CreateCourier", "ListCouriers", "GetJob", "ListJobs", "UnassignCourier",
        "SetMarketDispatch", "ResolveDelivery", "SetFailurePolicy", "GetCourierStatement"}) {
    table.push_back(
        {rpc::MethodName(v1::DispatchOpsService::service_full_name(), m), {Role::kOperator}});
  }
  // Counts only, no person in them: the regency's officials read them too (the web console).
  for (const char* m : {"GetStats", "GetDispatchReport"}) {
    table.push_back({rpc::MethodName(v1::DispatchOpsService::service_full_name(), m),
                     {Role::kOperator, Role::kOfficial}});
  }
  return table;
}

}  // namespace pasar::dispatch::api
