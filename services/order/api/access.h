// Who may call each method of the order service (rpc::Serve applies it to every call; the Host
// refuses to start when a served method has no rule). Object-level checks (a customer's own
// order, a trader's own stalls) are the use cases'.
#pragma once

#include "pasar/rpc/serve.h"

namespace pasar::order {

rpc::AccessTable Access();

}  // namespace pasar::order
