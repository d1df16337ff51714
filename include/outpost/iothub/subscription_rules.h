// Who may subscribe to what, as IoT Hub and edgeHub decide it: only IoT Hub's filters
// (topics.h), a client's own module inputs and, for a device, its own cloud-to-device
// messages; QoS is granted up to 1. A security rule: the edge hub and the cloud both use
// this one.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "outpost/iothub/identity.h"
#include "outpost/iothub/topics.h"
#include "outpost/mqtt_codec/packets.h"

namespace outpost::iothub {

struct SubscribeDecision {
  std::vector<std::uint8_t> return_codes;  // SUBACK: granted QoS, or mqtt::kSubackFailure
  std::uint32_t granted = 0;               // SubscriptionKind bits of the accepted filters
  std::vector<std::string> refused;        // "'filter' (why)" per refused filter, for the log

  bool granted_kind(SubscriptionKind kind) const { return (granted & static_cast<std::uint32_t>(kind)) != 0; }
};

SubscribeDecision authorize_subscriptions(const Identity& subscriber, const std::vector<mqtt::Subscription>& filters);

}  // namespace outpost::iothub
