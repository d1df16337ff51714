// MQTT bridges (hub.yaml `mqtt_broker.bridges` and the twin's `mqttBroker.bridges`; docs/HUB.md,
// "Bridges"): plain topics carried both ways between the hub and its parent over its own link
// (`$upstream`), or another MQTT broker — mosquitto, any broker by URL — as its client. The
// settings have the shape of edgeHub 1.2's (outpost/routing/bridge_settings.h).
#pragma once
#include "outpost/routing/bridge_settings.h"
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outpost {
class ConfigNode;
}

namespace outpost::hub {

using routing::BridgeSetting;

struct BridgeConfig {
  std::string endpoint;   // as written: "$upstream", "mqtt://host:port" or "mqtts://host:port"
  std::string server_uri; // for Paho: "tcp://host:port" or "ssl://host:port"; empty for $upstream
  std::string client_id;  // on the remote broker; default "{device_id}-bridge-{n}"
  std::optional<std::string> username;
  std::optional<std::string> password;  // read from password_file
  std::string ca_file;    // mqtts: trust for the remote's certificate; empty: the system store
  std::vector<BridgeSetting> settings;
  bool from_twin = false;  // mqttBroker.bridges of the $edgeHub twin (replaced with each desired update)

  // Over the hub's own link to its parent ($upstream), not a connection of its own.
  bool upstream() const { return endpoint == routing::kUpstreamBridge; }

  // The remote topic a local one goes out as, if a setting of direction out/both takes it.
  std::optional<std::string> remote_topic(std::string_view local_topic) const;
  // The local topic a remote one comes in as, if a setting of direction in/both takes it.
  std::optional<std::string> local_topic(std::string_view remote_topic) const;
};

// A bridge of the twin's mqttBroker.bridges (checked there): anonymous, the default client id.
BridgeConfig bridge_from_twin(const routing::BridgeSpec& spec, const std::string& device_id, std::size_t index);

// Reads `mqtt_broker.bridges` (absent: none). `device_id` names default client ids. Problems go
// to root.problems() naming file, line and key.
std::vector<BridgeConfig> read_bridge_configs(const ConfigNode& root, const ConfigNode& bridges,
                                              const std::string& device_id);

}  // namespace outpost::hub
