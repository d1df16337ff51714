// MQTT bridges (hub.yaml `mqtt_broker.bridges`; docs/HUB.md, "Bridges"): the hub as a client of
// another MQTT broker — a parent hub, mosquitto, any broker by URL — carrying plain topics
// both ways. The settings have the shape of edgeHub 1.2's `mqttBroker.bridges`:
//   direction out:  a local topic  {inPrefix}{t}, t matching `topic`, goes out as {outPrefix}{t}
//   direction in:   a remote topic {outPrefix}{t}, t matching `topic`, comes in as {inPrefix}{t}
//   direction both: the two.
// (inPrefix is the local side's, outPrefix the remote's, as edgeHub's documentation has it.)
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outpost {
class ConfigNode;
}

namespace outpost::hub {

struct BridgeSetting {
  bool in = false;   // remote -> local
  bool out = false;  // local -> remote
  std::string topic;       // a topic filter; may be empty when the prefixes name the whole topic
  std::string in_prefix;   // on the local broker
  std::string out_prefix;  // on the remote broker

  std::string local_filter() const { return in_prefix + topic; }
  std::string remote_filter() const { return out_prefix + topic; }
};

struct BridgeConfig {
  std::string endpoint;   // as written: "mqtt://host:port" or "mqtts://host:port"
  std::string server_uri; // for Paho: "tcp://host:port" or "ssl://host:port"
  std::string client_id;  // on the remote broker; default "{device_id}-bridge-{n}"
  std::optional<std::string> username;
  std::optional<std::string> password;  // read from password_file
  std::string ca_file;    // mqtts: trust for the remote's certificate; empty: the system store
  std::vector<BridgeSetting> settings;

  // The remote topic a local one goes out as, if a setting of direction out/both takes it.
  std::optional<std::string> remote_topic(std::string_view local_topic) const;
  // The local topic a remote one comes in as, if a setting of direction in/both takes it.
  std::optional<std::string> local_topic(std::string_view remote_topic) const;
};

// Reads `mqtt_broker.bridges` (absent: none). `device_id` names default client ids. Problems go
// to root.problems() naming file, line and key.
std::vector<BridgeConfig> read_bridge_configs(const ConfigNode& root, const ConfigNode& bridges,
                                              const std::string& device_id);

}  // namespace outpost::hub
