// What the hub knows about one accepted MQTT connection.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "module_delivery.h"
#include "outpost/iothub/identity.h"
#include "outpost/iothub/topics.h"
#include "outpost/mqtt_policy/authorization_policy.h"
#include "outpost/mqtt_codec/packets.h"

namespace outpost::hub {

struct ClientState {
  iothub::Identity identity;  // empty for a plain MQTT client
  std::string id;  // identity.id(): the MQTT client id
  // A user-name/password or anonymous client (mqtt_broker_config.h): plain topics only.
  bool plain = false;
  std::string user;   // a plain client's user name; empty: anonymous
  std::string label;  // its metrics' id: the identity, or "mqtt:{user}" / "mqtt:anonymous" (bounded)
  bool clean_session = true;
  // How long its plain session outlives the connection, in seconds: the MQTT 5 CONNECT's
  // Session Expiry Interval; for 3.1.1, 0 (cleanSession=1) or PlainSession::kNever.
  std::uint32_t session_expiry = 0;
  std::uint32_t subscriptions = 0;  // iothub::SubscriptionKind bits
  std::optional<mqtt::Will> will;
  // What the authorization policy grants it on plain topics; nullopt: no policy, all allowed.
  std::optional<mqtt_policy::ClientGrants> grants;
  bool policy_refusal_logged = false;  // the first refused publish is a warning, the rest debug
  std::unique_ptr<ModuleDelivery> delivery;  // while subscribed to its inputs
  metrics::Counter* received_default = nullptr;  // messages_received_total without an output
  // ... and per output, for the first outputs it used (a registry lookup builds label strings).
  static constexpr std::size_t kKeptOutputCounters = 8;
  std::vector<std::pair<std::string, metrics::Counter*>> received_by_output;

  bool subscribed(iothub::SubscriptionKind kind) const {
    return (subscriptions & static_cast<std::uint32_t>(kind)) != 0;
  }
};

}  // namespace outpost::hub
