// All SQL of the order service (schema `orders`, see migrations/). Functions take the caller's
// transaction; the aggregate (domain::Order) is always locked through its orders row first
// (SELECT ... FOR UPDATE), then its tickets are changed, so concurrent writers never deadlock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "domain/order.h"
#include "pasar/pg/pg.h"

namespace pasar::order::store {

// The PlaceOrder request already recorded for (customer, request_id).
struct PlacedRequest {
  std::string order_id;
  std::string request_hash;
};
std::optional<PlacedRequest> FindPlacedRequest(pg::Transaction& tx, const std::string& customer,
                                               const std::string& request_id);

// Counts a new PlaceOrder attempt for `order_id` in the caller's transaction and returns its
// number, 0 for the first. Its row lock serializes the attempts of one (derived) order id until
// the transaction ends: a concurrent attempt waits here, then counts on from the committed
// value. An attempt that may have used its number (reserved under it) must commit the count.
int NextPlaceAttempt(pg::Transaction& tx, const std::string& order_id);

// Inserts a new order with its tickets and lines (ids already set on the aggregate).
void InsertOrder(pg::Transaction& tx, const domain::Order& order, const std::string& request_id,
                 const std::string& request_hash);

// The whole aggregate; `lock` takes the orders row FOR UPDATE first.
std::optional<domain::Order> LoadOrder(pg::Transaction& tx, const std::string& order_id, bool lock);

// The other orders recorded with a courier's bundle `bundle_id` (all but `order_id`), in
// drop-off order: their ids (to lock them, never to show them) and their stops (domain/trip.h).
// LoadOrder fills Order::trip_mates with these stops.
struct TripMate {
  std::string order_id;
  domain::TripStop stop;
};
std::vector<TripMate> TripMates(pg::Transaction& tx, const std::string& bundle_id,
                                const std::string& order_id);

// Writes back what an operation changed: the order row, dirty tickets and their lines, new
// ledger postings. Increments order.version (and each dirty ticket's version) in place.
void SaveOrder(pg::Transaction& tx, domain::Order& order);

// The order a ticket belongs to, and its stall (nullopt for an unknown ticket).
struct TicketRef {
  std::string order_id;
  std::string stall_id;
};
std::optional<TicketRef> FindTicket(pg::Transaction& tx, const std::string& ticket_id);

// Claims (FOR UPDATE SKIP LOCKED) one PLACED order with a PENDING ticket due at `now`.
std::optional<std::string> ClaimOrderWithDueTicket(pg::Transaction& tx, absl::Time now);

// WatchOrder snapshots: the customer's view after each version.
void InsertSnapshot(pg::Transaction& tx, const std::string& order_id, int64_t version,
                    std::string_view status, const std::string& snapshot);
struct Snapshot {
  int64_t version = 0;
  std::string bytes;
};
// Snapshots with version > after, oldest first (at most `limit`).
std::vector<Snapshot> SnapshotsAfter(pg::Pool& pool, const std::string& order_id, int64_t after,
                                     int limit);

// Listing (store/order_listing.cc). Cursor = (created_at micros, id) of the last row of the
// previous page.
struct Cursor {
  int64_t created_micros = 0;
  std::string id;
};
// Order ids, newest first: of one customer, else of one market (a UUID; ignored when a customer
// is given), else of every customer (operators).
std::vector<std::pair<std::string, Cursor>> ListOrderIds(
    pg::Transaction& tx, const std::string& customer, const std::string& market_id,
    const std::vector<std::string>& statuses, const std::optional<Cursor>& after, int limit);
// Ticket ids of the stalls, newest first.
std::vector<std::pair<TicketRef, Cursor>> ListTicketIds(pg::Transaction& tx,
                                                        const std::vector<std::string>& stalls,
                                                        const std::vector<std::string>& statuses,
                                                        const std::optional<Cursor>& after,
                                                        int limit);
// Tickets of the stalls that are open (PENDING/ACCEPTED/READY) or changed at or after `since`,
// with their current version, for WatchTickets.
struct TicketVersion {
  std::string ticket_id;
  std::string order_id;
  int64_t version = 0;
  int64_t created_micros = 0;
};
std::vector<TicketVersion> TicketsToWatch(pg::Pool& pool, const std::vector<std::string>& stalls,
                                          absl::Time since);

// Idempotency of mutations other than PlaceOrder: (subject, rpc, request_id) -> response.
struct StoredResponse {
  std::string request_hash;
  std::string response;
};
std::optional<StoredResponse> FindResponse(pg::Transaction& tx, const std::string& subject,
                                           std::string_view rpc, const std::string& request_id);
void StoreResponse(pg::Transaction& tx, const std::string& subject, std::string_view rpc,
                   const std::string& request_id, const std::string& request_hash,
                   const std::string& response);

// Compensations of ReserveStock calls whose outcome stayed unknown (a hold inventory may have
// made that no order uses), replayed by workers/compensation_worker.h until inventory answers.
struct PendingCompensation {
  std::string request_id;  // the inventory idempotency key of the call
  std::string order_id;    // the order it was for (never placed under this key), for logs
  std::string request;     // the serialized ReserveStockRequest, replayed byte for byte
  int attempts = 0;        // replays by the worker so far
  absl::Time created_at;
};
// Records a compensation, due at once, in its own autocommit statement (never in the caller's
// transaction: see OrderApi::ReleaseUnknownHold). Idempotent on the request id: false when it
// was recorded already.
bool InsertCompensation(pg::Pool& pool, const std::string& request_id, const std::string& order_id,
                        const std::string& request);
// Claims (FOR UPDATE SKIP LOCKED) the compensation due earliest at `now`, if any: another
// transaction holding one is skipped, so several instances work through the table together.
std::optional<PendingCompensation> ClaimDueCompensation(pg::Transaction& tx, absl::Time now);
// Counts a replay whose outcome was unknown and sets when the next one is due.
void RescheduleCompensation(pg::Transaction& tx, const std::string& request_id,
                            absl::Time next_attempt_at);
// The compensation is settled (or given up): nothing is left to do for it.
void DeleteCompensation(pg::Transaction& tx, const std::string& request_id);

// Housekeeping (service::Purger, PASAR_RETENTION_HOURS): each deletes up to `limit` rows older
// than `retention` in one autocommit statement and returns how many: WatchOrder snapshots,
// PlaceOrder attempt counters, stored responses. Orders, tickets and the ledger are never purged.
int64_t PurgeSnapshots(pg::Pool& pool, absl::Duration retention, int limit);
int64_t PurgeAttempts(pg::Pool& pool, absl::Duration retention, int limit);
int64_t PurgeResponses(pg::Pool& pool, absl::Duration retention, int limit);

}  // namespace pasar::order::store
