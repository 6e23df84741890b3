#include "api/access.h"

#include "pasar/order/v1/order.grpc.pb.h"
#include "pasar/order/v1/programme.grpc.pb.h"

namespace pasar::order {

rpc::AccessTable Access() {
  using auth::Role;
  const auto orders = [](const char* method) {
    return rpc::MethodName(v1::OrderService::service_full_name(), method);
  };
  const auto tickets = [](const char* method) {
    return rpc::MethodName(v1::TicketService::service_full_name(), method);
  };
  const auto programmes = [](const char* method) {
    return rpc::MethodName(v1::ProgrammeService::service_full_name(), method);
  };
  // The regency's programmes: the market office and the regency's trade office.
  const std::vector<Role> office = {Role::kOperator, Role::kOfficial};
  return {
      {orders("QuoteOrder"), {Role::kCustomer}},
      {orders("PlaceOrder"), {Role::kCustomer}},
      {orders("GetOrder"), {Role::kCustomer, Role::kOperator}},
      {orders("ListOrders"), {Role::kCustomer, Role::kOperator}},
      // Customers cancel their own orders; an operator may intervene on any order.
      {orders("CancelOrder"), {Role::kCustomer, Role::kOperator}},
      {orders("WatchOrder"), {Role::kCustomer}},
      {tickets("ListTickets"), {Role::kTrader}},
      {tickets("GetTicket"), {Role::kTrader}},
      {tickets("WatchTickets"), {Role::kTrader}},
      {tickets("AcceptTicket"), {Role::kTrader}},
      {tickets("RejectTicket"), {Role::kTrader}},
      {tickets("MarkTicketReady"), {Role::kTrader}},
      {programmes("CreateProgramme"), office},
      {programmes("GetProgramme"), office},
      {programmes("ListProgrammes"), office},
      {programmes("SetProgrammeState"), office},
      {programmes("TopUpProgramme"), office},
      {programmes("ImportResidents"), office},
      {programmes("LinkResident"), {Role::kCustomer}},
      {programmes("GetProgrammeStatement"), office},
  };
}

}  // namespace pasar::order
