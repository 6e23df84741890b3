// All SQL of the dispatch service: the transactional operations behind every RPC, the event
// consumer, the matcher and the sweepers. Each operation runs in one transaction that also
// writes its events to the outbox (pasar::events::AppendToOutbox) and, for mutations, the
// idempotency key. Rows come back as the contract's messages (pasar.dispatch.v1).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "domain/matching.h"
#include "domain/spatial_index.h"
#include "pasar/dispatch/v1/dispatch.pb.h"
#include "pasar/events/v1/events.pb.h"
#include "pasar/pg/pg.h"

namespace pasar::dispatch::store {

namespace v1 = ::pasar::dispatch::v1;
namespace ev = ::pasar::events::v1;

// Why an operation refused (mapped to gRPC statuses by the adapters).
enum class Refusal {
  kNone,
  kNotFound,
  kKeyReused,
  kOfferExpired,
  kInsufficientCash,
  kInvalidTransition,
  kWrongPickupCode,
  kWrongDeliveryPin,
  kTooManyAttempts,
  kCashMismatch,
  kCourierBusy,
  kAlreadyExists,
};

struct Outcome {
  Refusal refusal = Refusal::kNone;
  std::string detail;  // human-readable, for the status message
  bool ok() const { return refusal == Refusal::kNone; }
};

// The idempotency key of a mutation and the request's fingerprint (its serialized bytes with
// request_id cleared).
struct IdemKey {
  std::string subject;
  std::string rpc;
  std::string request_id;
  std::string fingerprint;
};

struct Timers {
  absl::Duration offer_ttl = absl::Seconds(20);  // PASAR_OFFER_TIMEOUT_SECONDS
  int max_consecutive_timeouts = 3;              // then OFF_DUTY
  int max_code_attempts = 5;                     // pickup code / delivery PIN attempts
};

// A pending job as the matcher needs it.
struct MatchJob {
  PendingJob job;
  int64_t created_at_ms = 0;
};

// What a WatchOffers stream needs to compute what to send.
struct WatchSnapshot {
  std::string courier_id;
  std::optional<v1::Offer> pending_offer;
  // The job of the courier's latest assignment (current, delivered or taken back).
  std::optional<v1::Job> latest_job;
  // Why it was taken back from the courier; UNSPECIFIED while it is (or was delivered as) theirs.
  v1::WithdrawReason withdrawn = v1::WITHDRAW_REASON_UNSPECIFIED;
};

class Store final {
 public:
  Store(pg::Pool& pool, Timers timers) : pool_(pool), timers_(timers) {}
  pg::Pool& pool() { return pool_; }
  const Timers& timers() const { return timers_; }

  // ---- operator --------------------------------------------------------------------------
  Outcome CreateCourier(const IdemKey& key, const v1::CreateCourierRequest& req,
                        v1::CreateCourierResponse* resp);
  // Couriers by name then id, or nearest first around `near` (whole meters, then id), strictly
  // after `after` when given: keyset pagination, so couriers created meanwhile never shift a
  // page. `next` is set when more rows follow.
  struct CourierCursor {
    int64_t distance_m = 0;  // of the last courier from `near`; 0 without `near`
    std::string id;          // a courier id (uuid)
  };
  struct CourierPage {
    std::vector<v1::Courier> couriers;
    std::optional<CourierCursor> next;
  };
  CourierPage ListCouriers(const v1::ListCouriersRequest& req,
                           const std::optional<CourierCursor>& after, int limit);
  std::optional<v1::Job> GetJob(const std::string& job_id);
  // Takes an OFFERED or ASSIGNED job without picked-up tickets back from its courier (who goes
  // IDLE and is excluded from it): PENDING in a fresh dispatch window, wrong pickup code
  // counters reset. kNotFound, or kInvalidTransition in any other state.
  Outcome UnassignCourier(const IdemKey& key, const v1::UnassignCourierRequest& req,
                          v1::UnassignCourierResponse* resp);
  // Jobs newest first (created_at desc, id desc), strictly after `after` when given: keyset
  // pagination, stable while jobs are created. `next` is set when more rows follow.
  struct JobCursor {
    int64_t created_at_us = 0;  // unix microseconds
    std::string id;
  };
  struct JobPage {
    std::vector<v1::Job> jobs;
    std::optional<JobCursor> next;
  };
  JobPage ListJobs(const v1::ListJobsRequest& req, const std::optional<JobCursor>& after,
                   int limit);
  void Stats(const std::string& market_id, int64_t since_ms, v1::GetStatsResponse* resp);

  // ---- courier ---------------------------------------------------------------------------
  Outcome StartShift(const IdemKey& key, const v1::StartShiftRequest& req,
                     v1::StartShiftResponse* resp);
  Outcome EndShift(const IdemKey& key, v1::EndShiftResponse* resp);
  Outcome AcceptOffer(const IdemKey& key, const std::string& offer_id,
                      v1::AcceptOfferResponse* resp);
  Outcome DeclineOffer(const IdemKey& key, const v1::DeclineOfferRequest& req,
                       v1::DeclineOfferResponse* resp);
  Outcome ConfirmPickup(const IdemKey& key, const v1::ConfirmPickupRequest& req,
                        v1::ConfirmPickupResponse* resp);
  Outcome ConfirmDelivery(const IdemKey& key, const v1::ConfirmDeliveryRequest& req,
                          v1::ConfirmDeliveryResponse* resp);
  // The courier (NOT_FOUND when the subject has none), its current job and pending offer.
  Outcome GetCurrentJob(const std::string& subject, v1::GetCurrentJobResponse* resp);
  WatchSnapshot ReadWatchSnapshot(const std::string& courier_id);
  // Status of a (formerly pending) offer: "WITHDRAWN"/"EXPIRED"/... and the withdraw reason.
  std::optional<std::pair<std::string, v1::WithdrawReason>> OfferEnd(const std::string& offer_id);

  // ---- events consumed (run inside the consumer's transaction) ---------------------------
  void ApplyOrderConfirmed(pg::Transaction& tx, const ev::Envelope& env);
  void ApplyOrderCancelled(pg::Transaction& tx, const ev::Envelope& env);
  // Settles a cancellation the order service was asked for once the order was CONFIRMED:
  // accepted while no ticket was picked up (the job CANCELLED, a pending offer withdrawn, the
  // courier released; with no job yet, a later OrderConfirmed is ignored), refused once a ticket
  // was picked up or the order delivered. Emits CancellationSettled either way.
  void ApplyCancellationRequested(pg::Transaction& tx, const ev::Envelope& env);

  // ---- matcher ---------------------------------------------------------------------------
  std::vector<std::string> MarketsWithPendingJobs();
  std::vector<MatchJob> PendingJobs(const std::string& market_id, int limit);
  absl::flat_hash_map<std::string, IdleCourier> IdleCouriers(const std::vector<std::string>& ids);
  // The right to make offers for a market: a fencing token in PostgreSQL, advanced each time an
  // instance takes the market's Redis lease (matcher_fences). Redis's lease alone cannot stop an
  // instance that was paused past its TTL (or a Redis that lost the key) from acting on a lease
  // it no longer has; the token can: MakeOffer checks it in its own transaction.
  struct MatcherFence {
    std::string market_id;
    std::string holder;  // the instance (offers.made_by)
    int64_t token = 0;
  };
  MatcherFence ClaimMatcherFence(const std::string& market_id, const std::string& holder);
  // Offers the job to the courier if both are still free and `fence` is still the market's
  // current token; false when something changed (`*fenced` true when it was the token).
  bool MakeOffer(const MatcherFence& fence, const Proposal& proposal, bool* fenced = nullptr);

  // ---- sweepers (FOR UPDATE SKIP LOCKED, safe with several instances) ---------------------
  int ExpireOffers(int limit);
  int FailOverdueJobs(int limit);
  // Assigned couriers without a fix for `stale_after` before pickup are released (and excluded
  // from the job); the job is matched again in a fresh dispatch window (now + its timeout).
  int ReleaseSilentCouriers(absl::Duration stale_after, int limit);

  // ---- locations -------------------------------------------------------------------------
  // One multi-row upsert (newer fixes win); serialised with other flushers so `seq` order is
  // commit order.
  void FlushFixes(const std::vector<std::pair<std::string, Fix>>& fixes);
  // Calls f(courier_id, fix) for every row with seq > after_seq; returns the highest seq seen.
  int64_t ReadFixesSince(int64_t after_seq,
                         const std::function<void(const std::string&, const Fix&)>& f);
  std::optional<std::string> CourierIdBySubject(const std::string& subject);

 private:
  pg::Pool& pool_;
  Timers timers_;
};

}  // namespace pasar::dispatch::store
