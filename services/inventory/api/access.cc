#include "api/services.h"

namespace pasar::inventory {

rpc::AccessTable Access() {
  using auth::Role;
  rpc::AccessTable table;
  // Any signed-in role reads the catalog.
  for (const char* m : {"ListMarkets", "GetMarket", "ListStalls", "GetStall", "ListProducts",
                        "GetProduct", "BatchGetProducts"}) {
    table.push_back({rpc::MethodName(pb::CatalogService::service_full_name(), m), {}});
  }
  // A stall's trader (the stall in the token: checked by the use cases).
  for (const char* m :
       {"UpdateStall", "CreateProduct", "UpdateProduct", "AdjustStock", "SetStock"}) {
    table.push_back({rpc::MethodName(pb::StallService::service_full_name(), m), {Role::kTrader}});
  }
  for (const char* m : {"CreateMarket", "UpdateMarket", "CreateStall"}) {
    table.push_back(
        {rpc::MethodName(pb::MarketAdminService::service_full_name(), m), {Role::kOperator}});
  }
  // The order service's token (role service) only.
  for (const char* m :
       {"ReserveStock", "CommitReservation", "ReleaseReservation", "GetReservation"}) {
    table.push_back({rpc::MethodName(pb::StockService::service_full_name(), m), {Role::kService}});
  }
  return table;
}

}  // namespace pasar::inventory
