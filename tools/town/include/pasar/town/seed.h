// Creating a town in the services through their public APIs, as its people would: the operator
// creates markets, stalls and couriers (MarketAdminService, DispatchOpsService); each trader
// adds the stall's products and opens the stall (StallService, with a trader token).
//
// Seeding is idempotent: request ids are "<tag>:<kind>:<slug>", so seeding the same town again
// with the same tag returns the same objects (and changes nothing) -- except that, given a
// `restock_key`, every product's stock is set back to its initial stock (a new market day on a
// town seeded before: what earlier days sold is on the shelves again).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "pasar/inventory/v1/inventory.pb.h"
#include "pasar/town/api.h"
#include "pasar/town/town.h"

namespace pasar::town {

struct SeedOptions {
  std::string tag = "town";                        // idempotency-key prefix
  std::string operator_subject = "pasar-seed";     // JWT sub of the operator doing it
  bool real_hours = false;                         // the markets' real hours instead of 24/7
  int trader_response_timeout_seconds = 0;         // 0: the town's value
  int dispatch_timeout_seconds = 0;                // 0: the service's default
  int parallelism = 6;                             // concurrent stalls/couriers being created
  std::string restock_key;                         // non-empty: SetStock(initial), keyed by it
  std::function<void(std::string_view)> progress;  // optional progress messages
};

// slug -> UUID for every market, stall, product and courier.
struct Seeded {
  std::map<std::string, std::string> ids;
  // The UUID of `slug`; throws std::out_of_range when it was not seeded.
  const std::string& id(std::string_view slug) const;
};

// Creates (or finds again, see above) every object of `town`. Throws RpcError on a refusal.
Seeded SeedTown(Api& api, const Town& town, const SeedOptions& options);

// Building blocks, also used by pasarctl.
inventory::v1::Category CategoryOf(std::string_view slug);  // "jajan_pasar" -> ..._JAJAN_PASAR
std::string CategorySlug(inventory::v1::Category category);
// "shallot" -> COMMODITY_SHALLOT; "" -> UNSPECIFIED; throws std::runtime_error for an unknown one.
pasar::common::v1::Commodity CommodityOf(std::string_view slug);
// The market as CreateMarketRequest.market wants it.
inventory::v1::Market MarketProto(const Market& market, const SeedOptions& options);
// A trader token for `subject` running `stall_id`.
std::string TraderToken(const Api& api, const std::string& subject, const std::string& stall_id);

}  // namespace pasar::town
