#include "app/ids.h"

namespace pasar::order {

std::string DeriveOrderId(std::string_view customer, std::string_view request_id) {
  std::string name = "pasar.order.v1.PlaceOrder\n";
  name.append(customer);
  name.push_back('\n');
  name.append(request_id);
  return ids::NameUuid(name);
}

}  // namespace pasar::order
