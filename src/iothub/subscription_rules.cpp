#include "outpost/iothub/subscription_rules.h"

#include <algorithm>

namespace outpost::iothub {

namespace {

// Why `subscriber` may not subscribe to `filter`, or nullptr when it may.
const char* refusal(const Identity& subscriber, const SubscriptionFilter& filter) {
  switch (filter.kind) {
    case SubscriptionKind::unknown:
      return "not an IoT Hub topic";
    case SubscriptionKind::module_inputs:
      return filter.identity == subscriber ? nullptr : "not its own topic";
    case SubscriptionKind::c2d:
      if (subscriber.is_module()) return "modules receive no cloud-to-device messages";
      return filter.identity->device_id == subscriber.device_id ? nullptr : "not its own topic";
    default:
      return nullptr;
  }
}

}  // namespace

SubscribeDecision authorize_subscriptions(const Identity& subscriber, const std::vector<mqtt::Subscription>& filters) {
  SubscribeDecision d;
  for (const auto& sub : filters) {
    const auto filter = parse_subscription_filter(sub.filter);
    if (const char* why = refusal(subscriber, filter)) {
      d.return_codes.push_back(mqtt::kSubackFailure);
      d.refused.push_back("'" + sub.filter + "' (" + why + ")");
      continue;
    }
    d.granted |= static_cast<std::uint32_t>(filter.kind);
    d.return_codes.push_back(std::min<std::uint8_t>(sub.qos, 1));
  }
  return d;
}

}  // namespace outpost::iothub
