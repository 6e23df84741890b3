#include "store/reference_store.h"

#include <google/protobuf/util/time_util.h>

#include "store/sql.h"

namespace pasar::reporting {
namespace {

using pg::Query;

#define PASAR_REP_REFERENCE_COLUMNS \
  "commodity, market_id, price_idr, band_percent, set_by, " PASAR_REP_MICROS("updated_at")
enum Col { kCommodity, kMarket, kPrice, kBand, kSetBy, kUpdatedAt };
constexpr Query kSave{
    "rep_save_reference",
    "INSERT INTO reference_prices (commodity, market_id, price_idr, band_percent, set_by) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (commodity, market_id) DO UPDATE SET "
    "price_idr = excluded.price_idr, band_percent = excluded.band_percent, "
    "set_by = excluded.set_by, updated_at = now() RETURNING " PASAR_REP_REFERENCE_COLUMNS};
constexpr Query kAll{"rep_references", "SELECT " PASAR_REP_REFERENCE_COLUMNS
                                       " FROM reference_prices ORDER BY commodity, market_id"};
#undef PASAR_REP_REFERENCE_COLUMNS

v1::ReferencePrice FromRow(const pg::Result& r, int i) {
  v1::ReferencePrice p;
  p.set_commodity(static_cast<common::v1::Commodity>(r.Int(i, kCommodity)));
  p.set_market_id(r.Str(i, kMarket));
  p.set_price_idr(r.Int(i, kPrice));
  p.set_band_percent(static_cast<int32_t>(r.Int(i, kBand)));
  p.set_set_by(r.Str(i, kSetBy));
  *p.mutable_updated_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(r.Int(i, kUpdatedAt));
  return p;
}

}  // namespace

v1::ReferencePrice ReferenceStore::Save(pg::Transaction& tx, const Reference& ref,
                                        const std::string& set_by) {
  return FromRow(
      tx.Exec(kSave, ref.commodity, ref.market_id, ref.price_idr, ref.band_percent, set_by), 0);
}

std::vector<v1::ReferencePrice> ReferenceStore::All() {
  const pg::Result r = pg::Exec(pool_, kAll);
  std::vector<v1::ReferencePrice> out;
  for (int i = 0; i < r.size(); ++i)
    out.push_back(FromRow(r, i));
  return out;
}

std::vector<Reference> ToReferences(const std::vector<v1::ReferencePrice>& stored) {
  std::vector<Reference> out;
  for (const v1::ReferencePrice& p : stored) {
    out.push_back(Reference{p.commodity(), p.market_id(), p.price_idr(), p.band_percent()});
  }
  return out;
}

}  // namespace pasar::reporting
