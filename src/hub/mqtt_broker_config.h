// hub.yaml `mqtt_broker:`: plain MQTT clients beside IoT Hub identities (docs/HUB.md,
// "Plain MQTT"). Users authenticate with a user name and password (stored as a PBKDF2
// hash, password_hash.h); listeners named in `allow_anonymous` also take clients without
// credentials. Such clients may use only plain topics (plain_topic.h). The limits bound what
// any client can make the broker keep in memory.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "bridge_config.h"
#include "outpost/mqtt_policy/authorization_policy.h"

namespace outpost {
class ConfigNode;
}

namespace outpost::hub {

struct MqttUser {
  std::string name;
  std::string password_hash;  // pbkdf2-sha256$…, from `password_hash` or read from `password_file`
};

struct MqttBrokerConfig {
  std::vector<MqttUser> users;
  std::vector<std::string> anonymous_listeners;  // of "mqtt", "mqtts", "wss"
  std::size_t max_subscriptions_per_client = 100;  // plain topic filters
  std::size_t max_retained_messages = 10'000;
  std::size_t max_retained_bytes = 16 << 20;  // topics and payloads of retained messages
  // Persistent sessions (cleanSession=0) kept at once, connected or not; past it such a
  // CONNECT is refused (3, server unavailable). Each has a store queue of its own.
  std::size_t max_persistent_sessions = 1'000;
  // QoS 1/2 messages queued per persistent session; past it new ones are dropped for it (counted).
  std::size_t max_queued_messages = 10'000;
  // `authorizations`: the same list as the $edgeHub twin's mqttBroker.authorizations; nullopt
  // when not given (edge_hub_policy.cpp combines the two).
  std::optional<mqtt_policy::AuthorizationPolicy> authorizations;
  std::vector<BridgeConfig> bridges;  // `bridges`: other brokers this hub exchanges plain topics with

  const MqttUser* user(const std::string& name) const {
    for (const auto& u : users)
      if (u.name == name) return &u;
    return nullptr;
  }
  bool anonymous_on(const std::string& listener) const {
    for (const auto& l : anonymous_listeners)
      if (l == listener) return true;
    return false;
  }
};

// Reads `mqtt_broker` (absent: no users, no anonymous clients, default limits). Problems go
// to root.problems() naming file, line and key.
MqttBrokerConfig read_mqtt_broker_config(const ConfigNode& root);

// The hub.yaml listener ("mqtt", "mqtts", "wss") of an mqtt::Connection's transport name.
std::string listener_of_transport(const std::string& transport_name);

}  // namespace outpost::hub
