// Who may call each method of the dispatch service (rpc::Serve applies it to every call; the
// Host refuses to start when a served method has no rule). Object-level checks (a courier's own
// offers and jobs) are the use cases' (app/).
#pragma once

#include "pasar/rpc/serve.h"

namespace pasar::dispatch::api {

rpc::AccessTable Access();

}  // namespace pasar::dispatch::api
