#include "store/offers.h"

#include "store/contract.h"
#include "store/job_views.h"
#include "store/sql.h"

namespace pasar::dispatch::store {
namespace {

constexpr pg::Query kOfferOfSubject{
    "dsp_offer_of_subject",
    "SELECT o.job_id, o.courier_id::text, coalesce(o.bundle_id, '') FROM offers o "
    "JOIN couriers c ON c.id = o.courier_id WHERE o.id = $1 AND c.subject = $2"};
enum PartiesCol : int { kPartiesJob, kPartiesCourier, kPartiesBundle };

// ---- the lifecycle row ---------------------------------------------------------------------
// clang-format off
#define DSP_OFFER_ROW                                                                 \
  "o.id::text, o.job_id, o.courier_id::text, o.status, o.expires_at <= now(), "       \
  "o.eta_seconds, o.distance_to_market_meters, coalesce(o.bundle_id, ''), "            \
  "coalesce(o.bundle_position, 0) FROM offers o "
// clang-format on
enum OfferRow : int {
  kId,
  kJob,
  kCourier,
  kStatus,
  kExpired,
  kEta,
  kDistance,
  kBundle,
  kBundlePosition
};

constexpr pg::Query kLockOffer{"dsp_lock_offer",
                               "SELECT " DSP_OFFER_ROW "WHERE o.id = $1 FOR UPDATE"};
constexpr pg::Query kLockPendingOfferOfJob{
    "dsp_lock_pending_offer_of_job",
    "SELECT " DSP_OFFER_ROW "WHERE o.job_id = $1 AND o.status = 'PENDING' FOR UPDATE"};
constexpr pg::Query kClaimDueOffers{"dsp_claim_due_offers",
                                    "SELECT " DSP_OFFER_ROW
                                    "WHERE o.status = 'PENDING' AND o.expires_at <= now() "
                                    "ORDER BY o.expires_at LIMIT $1 FOR UPDATE SKIP LOCKED"};
// A bundle's pending offers in drop-off order (all made together, answered together).
constexpr pg::Query kLockPendingOffersOfBundle{"dsp_lock_pending_offers_of_bundle",
                                               "SELECT " DSP_OFFER_ROW
                                               "WHERE o.bundle_id = $1 AND o.status = 'PENDING' "
                                               "ORDER BY o.bundle_position FOR UPDATE"};
constexpr pg::Query kTryLockPendingOffersOfBundle{
    "dsp_try_lock_pending_offers_of_bundle", "SELECT " DSP_OFFER_ROW
                                             "WHERE o.bundle_id = $1 AND o.status = 'PENDING' "
                                             "ORDER BY o.bundle_position FOR UPDATE SKIP LOCKED"};
#undef DSP_OFFER_ROW
constexpr pg::Query kPendingJobsOfBundle{
    "dsp_pending_jobs_of_bundle",
    "SELECT job_id FROM offers WHERE bundle_id = $1 AND status = 'PENDING' "
    "ORDER BY bundle_position"};

constexpr pg::Query kSaveOffer{
    "dsp_save_offer",
    "UPDATE offers SET status = $2, resolved_at = now(), decline_reason = $3, "
    "decline_note = $4, withdraw_reason = $5 WHERE id = $1"};
constexpr pg::Query kInsertOffer{
    "dsp_insert_offer",
    "INSERT INTO offers (job_id, courier_id, market_id, status, distance_to_market_meters, "
    "eta_seconds, made_by, expires_at, bundle_id, bundle_position) VALUES ($1, $2, $3, $4, $5, "
    "$6, $7, now() + make_interval(secs => $8), nullif($9, ''), "
    "CASE WHEN $9 = '' THEN NULL ELSE $10::int END) RETURNING id::text, " DSP_MS("expires_at")};
enum InsertedCol : int { kInsertedId, kInsertedExpiresMs };

// ---- views -----------------------------------------------------------------------------------
constexpr pg::Query kPendingOfferOfCourier{
    "dsp_pending_offer_of_courier",
    "SELECT o.id::text, o.job_id, " DSP_MS("o.expires_at") ", o.distance_to_market_meters, "
    "o.eta_seconds, " DSP_MS("o.created_at") ", "
    "greatest(0, ceil(extract(epoch from o.expires_at - now())))::int, "
    "coalesce(o.bundle_id, '') "
    "FROM offers o WHERE o.courier_id = $1 AND o.status = 'PENDING' "
    "ORDER BY coalesce(o.bundle_position, 0) LIMIT 1"};
namespace view {
enum Col : int { kId, kJob, kExpiresMs, kDistance, kEta, kCreatedMs, kCountdown, kBundle };
}  // namespace view
constexpr pg::Query kOfferEnd{
    "dsp_offer_end", "SELECT status, coalesce(withdraw_reason, '') FROM offers WHERE id = $1"};
enum EndCol : int { kEndStatus, kEndReason };

std::vector<domain::Offer> OfferRows(const pg::Result& r) {
  std::vector<domain::Offer> offers;
  for (int i = 0; i < r.size(); ++i) {
    domain::Offer o;
    o.id = r.Str(i, kId);
    o.job_id = r.Str(i, kJob);
    o.courier_id = r.Str(i, kCourier);
    o.state = domain::ParseOfferState(r.Text(i, kStatus)).value_or(domain::OfferState::kWithdrawn);
    o.expired = r.Bool(i, kExpired);
    o.eta_seconds = static_cast<int32_t>(r.Int(i, kEta));
    o.distance_to_market_meters = r.Int(i, kDistance);
    o.bundle_id = r.Str(i, kBundle);
    o.bundle_position = static_cast<int>(r.Int(i, kBundlePosition));
    offers.push_back(std::move(o));
  }
  return offers;
}

std::optional<domain::Offer> OneOffer(const pg::Result& r) {
  std::vector<domain::Offer> offers = OfferRows(r);
  if (offers.empty()) return std::nullopt;
  return std::move(offers.front());
}

}  // namespace

std::optional<OfferParties> FindOfferOfSubject(pg::Transaction& tx, const std::string& offer_id,
                                               const std::string& subject) {
  const pg::Result r = tx.Exec(kOfferOfSubject, offer_id, subject);
  if (r.empty()) return std::nullopt;
  return OfferParties{r.Str(0, kPartiesJob), r.Str(0, kPartiesCourier), r.Str(0, kPartiesBundle)};
}

std::optional<domain::Offer> LockOffer(pg::Transaction& tx, const std::string& offer_id) {
  return OneOffer(tx.Exec(kLockOffer, offer_id));
}

std::optional<domain::Offer> LockPendingOfferOfJob(pg::Transaction& tx, const std::string& job_id) {
  return OneOffer(tx.Exec(kLockPendingOfferOfJob, job_id));
}

std::vector<domain::Offer> LockPendingOffersOfBundle(pg::Transaction& tx,
                                                     const std::string& bundle_id) {
  return OfferRows(tx.Exec(kLockPendingOffersOfBundle, bundle_id));
}

std::vector<domain::Offer> TryLockPendingOffersOfBundle(pg::Transaction& tx,
                                                        const std::string& bundle_id) {
  return OfferRows(tx.Exec(kTryLockPendingOffersOfBundle, bundle_id));
}

std::vector<std::string> PendingJobsOfBundle(pg::Transaction& tx, const std::string& bundle_id) {
  const pg::Result r = tx.Exec(kPendingJobsOfBundle, bundle_id);
  std::vector<std::string> ids;
  for (int i = 0; i < r.size(); ++i)
    ids.push_back(r.Str(i, 0));
  return ids;
}

std::vector<domain::Offer> ClaimDueOffers(pg::Transaction& tx, int limit) {
  return OfferRows(tx.Exec(kClaimDueOffers, limit));
}

void SaveOffer(pg::Transaction& tx, const domain::Offer& o) {
  if (!o.changed) return;
  const bool declined = o.state == domain::OfferState::kDeclined;
  tx.Exec(kSaveOffer, o.id, domain::Name(o.state),
          declined ? std::optional<std::string_view>(DeclineReasonName(o.decline_reason))
                   : std::nullopt,
          o.decline_note,
          o.withdraw_reason ? std::optional<std::string_view>(domain::Name(*o.withdraw_reason))
                            : std::nullopt);
}

std::pair<std::string, int64_t> InsertOffer(pg::Transaction& tx, const domain::Offer& o,
                                            const std::string& market_id,
                                            const std::string& made_by, absl::Duration ttl) {
  const pg::Result r = tx.Exec(kInsertOffer, o.job_id, o.courier_id, market_id,
                               domain::Name(o.state), o.distance_to_market_meters, o.eta_seconds,
                               made_by, absl::ToDoubleSeconds(ttl), o.bundle_id, o.bundle_position);
  return {r.Str(0, kInsertedId), r.Int(0, kInsertedExpiresMs)};
}

std::optional<v1::Offer> ReadPendingOffer(pg::Transaction& tx, const std::string& courier_id) {
  const pg::Result r = tx.Exec(kPendingOfferOfCourier, courier_id);
  if (r.empty()) return std::nullopt;
  v1::Offer o;
  o.set_offer_id(r.Str(0, view::kId));
  SetTs(o.mutable_expires_at(), r.Int(0, view::kExpiresMs));
  o.set_distance_to_market_meters(r.Int(0, view::kDistance));
  o.set_eta_seconds(static_cast<int32_t>(r.Int(0, view::kEta)));
  SetTs(o.mutable_created_at(), r.Int(0, view::kCreatedMs));
  o.set_countdown_seconds(static_cast<int32_t>(r.Int(0, view::kCountdown)));
  if (auto job = ReadJob(tx, r.Str(0, view::kJob))) *o.mutable_job() = std::move(*job);
  const std::string bundle_id = r.Str(0, view::kBundle);
  if (!bundle_id.empty()) {
    for (const std::string& id : PendingJobsOfBundle(tx, bundle_id)) {
      if (auto job = ReadJob(tx, id)) *o.add_trip_jobs() = std::move(*job);
    }
  }
  return o;
}

std::optional<std::pair<domain::OfferState, v1::WithdrawReason>> ReadOfferEnd(
    pg::Pool& pool, const std::string& offer_id) {
  const pg::Result r = pg::Exec(pool, kOfferEnd, offer_id);
  if (r.empty()) return std::nullopt;
  const auto state = domain::ParseOfferState(r.Text(0, kEndStatus));
  if (!state) return std::nullopt;
  return std::make_pair(*state, WithdrawReasonOf(r.Text(0, kEndReason)));
}

}  // namespace pasar::dispatch::store
