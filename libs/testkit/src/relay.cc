#include "pasar/testkit/relay.h"

namespace pasar::testkit {

std::string PublishAsRelay(redis::Client& redis, const std::string& stream_name,
                           const std::string& event_id, const std::string& type,
                           const std::string& aggregate, const std::string& payload) {
  const std::string entry_id = redis.XAdd(
      redis.Key(stream_name),
      {{"id", event_id}, {"type", type}, {"aggregate", aggregate}, {"payload", payload}});
  // In the relay's order: the entry first, then its hint.
  redis.Publish(redis.Key("live." + stream_name), aggregate + " " + type);
  return entry_id;
}

}  // namespace pasar::testkit
