// Fuzz target: IoT Hub topic classification, subscription filters and MQTT user names —
// everything the hub parses from a client before authentication.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "outpost/iothub/topics.h"
#include "outpost/iothub/username.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  if (auto topic = outpost::iothub::parse_publish_topic(input)) {
    if (auto* t = std::get_if<outpost::iothub::TelemetryTopic>(&*topic)) {
      if (t->sender.device_id.empty()) std::abort();
      if (t->bag.size() > input.size()) std::abort();
    }
  }
  const auto filter = outpost::iothub::parse_subscription_filter(input);
  if ((filter.kind == outpost::iothub::SubscriptionKind::c2d ||
       filter.kind == outpost::iothub::SubscriptionKind::module_inputs) && !filter.identity)
    std::abort();
  if (auto user = outpost::iothub::parse_mqtt_username(input)) {
    if (user->identity.device_id.empty() || user->api_version.empty()) std::abort();
  }
  (void)outpost::iothub::query_parameter(input, "$rid");
  return 0;
}
