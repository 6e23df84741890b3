// pasar::testkit — feeding a service the events of another, as that producer's relay would.
// Tests only. Kept apart from testkit.h so that only tests which publish events see pasar_redis.
#pragma once

#include <string>

#include "pasar/redis/redis.h"

namespace pasar::testkit {

// Publishes one event on <prefix>`stream_name` (e.g. "events.order", without the prefix) exactly
// as libs/events' relay ships an outbox row (docs/conventions.md, Redis): XADD with the fields
// id, type, aggregate and payload (the serialized pasar.events.v1.Envelope), then the live hint
// "<aggregate> <type>" on <prefix>live.<stream_name>. The payload is taken serialized so that
// testkit needs no domain proto. Returns the stream entry id. Throws redis errors.
std::string PublishAsRelay(redis::Client& redis, const std::string& stream_name,
                           const std::string& event_id, const std::string& type,
                           const std::string& aggregate, const std::string& payload);

}  // namespace pasar::testkit
