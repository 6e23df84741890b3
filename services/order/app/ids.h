// Identifiers of the order service: generic ones come from libs/ids.
#pragma once

#include <string>
#include <string_view>

#include "pasar/ids/ids.h"

namespace pasar::order {

using ids::IsUuid;
using ids::RandomDigits;
using ids::RandomUuid;
using ids::Sha256Hex;

// The order id of a PlaceOrder request: a name-based UUID derived from the customer and the
// request id, so every duplicate of one request names the same order and inventory's
// idempotency on that id holds across retries and instances.
std::string DeriveOrderId(std::string_view customer, std::string_view request_id);

}  // namespace pasar::order
