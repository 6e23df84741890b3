#include "api/reporting_api.h"

namespace pasar::reporting {

rpc::AccessTable Access() {
  using auth::Role;
  rpc::AccessTable table;
  for (const char* m : {"GetStaples", "GetReport", "GetPipeline", "GetStaplePrices",
                        "GetPriceExport", "GetReferencePrices"}) {
    table.push_back({rpc::MethodName(v1::ReportingService::service_full_name(), m),
                     {Role::kOperator, Role::kOfficial}});
  }
  table.push_back({rpc::MethodName(v1::ReportingService::service_full_name(), "SetReferencePrice"),
                   {Role::kOperator}});
  return table;
}

}  // namespace pasar::reporting
