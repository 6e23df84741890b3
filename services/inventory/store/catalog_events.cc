// The catalogue events (MarketChanged, StallChanged, ProductChanged): each write of a market,
// stall or product appends one to the outbox in its own transaction, so the reporting service
// learns the catalogue from the stream without reading these tables.
#include <google/protobuf/util/time_util.h>

#include "pasar/events/events.h"
#include "pasar/ids/ids.h"
#include "store/internal.h"
#include "store/store.h"

namespace pasar::inventory::store_internal {
namespace {

using google::protobuf::util::TimeUtil;

void AppendCatalogEvent(pg::Transaction& tx, const std::string& aggregate_id,
                        events::v1::Envelope envelope) {
  envelope.set_event_id(ids::RandomUuid());
  *envelope.mutable_occurred_at() = TimeUtil::GetCurrentTime();
  envelope.set_producer("inventory");
  envelope.set_aggregate_id(aggregate_id);
  events::AppendToOutbox(tx, events::OutboxEvent{.event_id = envelope.event_id(),
                                                 .stream = std::string(kInventoryStream),
                                                 .type = envelope.type(),
                                                 .aggregate_id = aggregate_id,
                                                 .payload = envelope.SerializeAsString()});
}

}  // namespace

pb::Market MarketChanged(pg::Transaction& tx, pb::Market m) {
  events::v1::Envelope envelope;
  envelope.set_type("MarketChanged");
  *envelope.mutable_market_changed()->mutable_market() = m;
  AppendCatalogEvent(tx, m.id(), std::move(envelope));
  return m;
}

pb::Stall StallChanged(pg::Transaction& tx, pb::Stall s) {
  events::v1::Envelope envelope;
  envelope.set_type("StallChanged");
  *envelope.mutable_stall_changed()->mutable_stall() = s;
  AppendCatalogEvent(tx, s.id(), std::move(envelope));
  return s;
}

pb::Product ProductChanged(pg::Transaction& tx, pb::Product p) {
  events::v1::Envelope envelope;
  envelope.set_type("ProductChanged");
  events::v1::ProductChanged* e = envelope.mutable_product_changed();
  e->set_product_id(p.id());
  e->set_stall_id(p.stall_id());
  e->set_market_id(p.market_id());
  e->set_name(p.name());
  e->set_unit(p.unit());
  e->set_price_idr(p.price_idr());
  e->set_commodity(p.commodity());
  e->set_standard_unit_milli(p.standard_unit_milli());
  e->set_active(p.active());
  e->set_weighed(p.weighed());
  AppendCatalogEvent(tx, p.id(), std::move(envelope));
  return p;
}

}  // namespace pasar::inventory::store_internal
