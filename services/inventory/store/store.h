// All SQL of the inventory service (schema `inventory`): markets, stalls, products, stock,
// reservations, the stock ledger, idempotency records and the outbox rows of its events: the
// reservation events, and the catalogue events (MarketChanged, StallChanged, ProductChanged)
// every write of a market, stall or product appends in its transaction.
//
// Reads use the pool directly (autocommit); mutations run inside a pg::Transaction that the caller
// (usually RunIdempotent) owns, so the change, its ledger rows, its idempotency record and its
// outbox event commit together. Lock order, everywhere: idempotency row, then reservation row,
// then product rows in ascending id — so concurrent reservations, commits, releases and
// sweepers never deadlock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/catalog.h"
#include "domain/reservation.h"
#include "pasar/inventory/v1/inventory.pb.h"
#include "pasar/pg/pg.h"

namespace pasar::inventory {

namespace pb = ::pasar::inventory::v1;

// The logical stream of inventory's events (the relay adds the Redis prefix).
inline constexpr std::string_view kInventoryStream = "events.inventory";

// Filters of a product listing; `cursor` continues after a previous page.
struct ProductFilter {
  std::string market_id;
  std::string stall_id;  // empty: any stall
  int category = 0;      // 0: any
  std::string query;     // empty: no text filter (normalised text otherwise)
  bool only_available = false;
  std::optional<PageCursor> cursor;
  int limit = 50;
};

struct StallFilter {
  std::string market_id;
  int category = 0;
  bool only_open = false;
  std::optional<PageCursor> cursor;
  int limit = 50;
};

// One product whose counters disagree with its ledger or its held reservation lines.
struct LedgerImbalance {
  std::string product_id;
  int64_t stock = 0, held = 0, sold = 0;                       // the product row
  int64_t ledger_stock = 0, ledger_held = 0, ledger_sold = 0;  // sums of the ledger deltas
  int64_t adjustments = 0;    // sum of the adjustment deltas (initial stock included)
  int64_t held_by_lines = 0;  // sum of the quantities of HELD reservations' lines
};

// A ReserveStock call after validation.
struct ReserveInput {
  std::string market_id;
  std::string order_id;
  std::vector<RequestedLine> lines;
  absl::Duration ttl;
  std::string actor;  // the caller's subject
};

class Store final {
 public:
  explicit Store(pg::Pool& pool) : pool_(pool) {}

  // ---- idempotency -------------------------------------------------------------------------
  // Runs `work` in one transaction keyed by (subject, rpc, request_id): the first call claims
  // the key, runs `work` and stores the serialized response it returns with the change; a later
  // call with the same key and the same `request` bytes returns that response without running
  // `work`; with other bytes, FAILED_PRECONDITION / IDEMPOTENCY_KEY_REUSED. When `work` returns
  // an error, everything rolls back (the key stays free). Concurrent calls with one key
  // serialise on the key's row. `replayed` (when given) tells whether the answer is a stored one.
  absl::StatusOr<std::string> RunIdempotent(
      std::string_view subject, std::string_view rpc, std::string_view request_id,
      const std::string& request,
      const std::function<absl::StatusOr<std::string>(pg::Transaction&)>& work,
      bool* replayed = nullptr);

  // ---- markets -----------------------------------------------------------------------------
  pb::Market InsertMarket(pg::Transaction& tx, const pb::Market& market);
  // Replaces every stored setting of market.id(); NOT_FOUND when it does not exist.
  absl::StatusOr<pb::Market> SaveMarket(pg::Transaction& tx, const pb::Market& market);
  std::optional<pb::Market> GetMarket(std::string_view id);
  std::optional<pb::Market> GetMarket(pg::Transaction& tx, std::string_view id);
  std::optional<pb::Market> GetMarketForUpdate(pg::Transaction& tx, std::string_view id);
  std::vector<pb::Market> ListMarkets(const std::optional<PageCursor>& cursor, int limit);

  // ---- stalls ------------------------------------------------------------------------------
  pb::Stall InsertStall(pg::Transaction& tx, const pb::Stall& stall);
  std::optional<pb::Stall> GetStall(std::string_view id);
  std::optional<pb::Stall> GetStallForUpdate(pg::Transaction& tx, std::string_view id);
  // Open, preparation, name, pause and expired_in_a_row of stall.id().
  pb::Stall SaveStall(pg::Transaction& tx, const pb::Stall& stall);
  std::vector<pb::Stall> ListStalls(const StallFilter& filter);

  // ---- products ----------------------------------------------------------------------------
  // Inserts the product (stall and market from `product`) with its initial stock, recorded as
  // an adjustment in the ledger by `actor`.
  pb::Product InsertProduct(pg::Transaction& tx, const pb::Product& product,
                            std::string_view actor);
  std::optional<pb::Product> GetProduct(std::string_view id);
  std::optional<pb::Product> GetProductForUpdate(pg::Transaction& tx, std::string_view id);
  // Name, category, unit, price, weighed, active, commodity and standard unit of product.id().
  pb::Product SaveProduct(pg::Transaction& tx, const pb::Product& product);
  // Adds `delta` to the available stock; FAILED_PRECONDITION / INSUFFICIENT_STOCK when the stock
  // would go below 0, INVALID_ARGUMENT "delta: …" when it would exceed kMaxStock (nothing
  // written either way). Ledger: adjustment with `detail`.
  absl::StatusOr<pb::Product> AdjustStock(pg::Transaction& tx, std::string_view product_id,
                                          int64_t delta, std::string_view detail,
                                          std::string_view actor);
  // Sets the available stock (ledger: adjustment of the difference, when not zero); NOT_FOUND
  // when the product does not exist.
  absl::StatusOr<pb::Product> SetStock(pg::Transaction& tx, std::string_view product_id,
                                       int64_t stock, std::string_view detail,
                                       std::string_view actor);
  std::vector<pb::Product> ListProducts(const ProductFilter& filter);
  // The products among `ids` that exist (any order).
  std::vector<pb::Product> GetProducts(const std::vector<std::string>& ids);

  // ---- reservations ------------------------------------------------------------------------
  // Holds every line or nothing. NOT_FOUND when the market does not exist; refusals
  // (FAILED_PRECONDITION with a reason) as CheckReservable; `now` decides whether the market is
  // open (in its time zone).
  absl::StatusOr<pb::Reservation> Reserve(pg::Transaction& tx, const ReserveInput& input,
                                          absl::Time now);
  // Commits final quantities (lines not named: 0). NOT_FOUND, RESERVATION_EXPIRED,
  // INVALID_TRANSITION, INVALID_ARGUMENT "<field>[i]..." per PlanCommit (`field` and
  // `quantity_field` name the request's list and quantity, for the message). Committing again with
  // the same quantities answers the committed reservation and writes nothing.
  absl::StatusOr<pb::Reservation> Commit(pg::Transaction& tx, std::string_view reservation_id,
                                         const std::vector<FinalQuantity>& finals,
                                         std::string_view field, std::string_view quantity_field,
                                         std::string_view actor);
  // Releases a HELD reservation; a released or expired one is answered as it is; a committed one
  // is INVALID_TRANSITION.
  absl::StatusOr<pb::Reservation> Release(pg::Transaction& tx, std::string_view reservation_id,
                                          std::string_view reason, std::string_view actor);
  std::optional<pb::Reservation> GetReservation(std::string_view id);

  // Expires at most `limit` HELD reservations whose expiry has passed, each in its own
  // transaction, claimed with FOR NO KEY UPDATE SKIP LOCKED (several sweepers never take the same
  // one). Returns how many it expired.
  int SweepExpired(int limit);

  // ---- checks ------------------------------------------------------------------------------
  // Products whose counters do not match the ledger: stock/held/sold must equal the sums of the
  // ledger's deltas, stock + held + sold the sum of adjustments, and held the quantities of HELD
  // reservation lines. Empty when everything balances.
  std::vector<LedgerImbalance> LedgerImbalances();

  // Deletes up to `limit` idempotency records older than `retention` (replays of older request
  // ids are treated as new requests). Returns how many it deleted.
  int64_t PurgeIdempotency(absl::Duration retention, int limit);

  // ---- the catalogue's version (app/page_cache.h) ------------------------------------------
  // Grows after each write transaction of this store has ended (RunIdempotent, SweepExpired:
  // committed or not) and at NoteCatalogWrite: a page read at an older version may be out of
  // date.
  uint64_t CatalogVersion() const { return catalog_version_.load(std::memory_order_acquire); }
  // For writes in a transaction the store does not end (the event consumer's).
  void NoteCatalogWrite() { catalog_version_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  std::optional<pb::Reservation> LoadReservation(pg::Transaction& tx, std::string_view id,
                                                 bool for_update, bool* past_expiry);
  // Moves the stock of every line of a HELD reservation back (release or expiry), sets `state`
  // and appends the event.
  pb::Reservation ReturnAll(pg::Transaction& tx, pb::Reservation reservation, LedgerReason reason,
                            std::string_view detail, std::string_view actor);
  void LockProducts(pg::Transaction& tx, const pb::Reservation& reservation);

  pg::Pool& pool_;
  std::atomic<uint64_t> catalog_version_{0};
};

}  // namespace pasar::inventory
