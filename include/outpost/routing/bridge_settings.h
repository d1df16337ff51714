// MQTT bridge settings, as edgeHub 1.2's `mqttBroker.bridges` has them — read from the
// `$edgeHub` twin (edgehub_config.h) and from hub.yaml (src/hub/bridge_config.h) with the same
// checks:
//   direction out:  a local topic  {inPrefix}{t}, t matching `topic`, goes out as {outPrefix}{t}
//   direction in:   a remote topic {outPrefix}{t}, t matching `topic`, comes in as {inPrefix}{t}
//   direction both: the two.
// (inPrefix is the local side's, outPrefix the remote's, as edgeHub's documentation has it.)
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "outpost/core/result.h"

namespace outpost::routing {

struct BridgeSetting {
  bool in = false;   // remote -> local
  bool out = false;  // local -> remote
  std::string topic;       // a topic filter; may be empty when the prefixes name the whole topic
  std::string in_prefix;   // on the local broker
  std::string out_prefix;  // on the remote broker

  std::string local_filter() const { return in_prefix + topic; }
  std::string remote_filter() const { return out_prefix + topic; }
  bool operator==(const BridgeSetting&) const = default;
};

// One setting, checked; an error names its field: "direction: 'x': expected in, out or both",
// "inPrefix: may not hold + or #", "topic: 'a/#/b' is not a valid topic filter: …".
Result<BridgeSetting> make_bridge_setting(std::string_view direction, std::string topic, std::string in_prefix,
                                          std::string out_prefix);

// The endpoint `$upstream`: the hub's own link to its parent (or the cloud).
inline constexpr std::string_view kUpstreamBridge = "$upstream";
// Paho's URI for an endpoint: "mqtt://h:p" → "tcp://h:p", "mqtts://h:p" → "ssl://h:p";
// "$upstream" → "" (no connection of its own); anything else is an error.
Result<std::string> bridge_server_uri(std::string_view endpoint);

// A bridge from the twin: no credentials there (edgeHub's schema has none), so an endpoint
// other than $upstream is connected anonymously.
struct BridgeSpec {
  std::string endpoint;
  std::vector<BridgeSetting> settings;
  bool operator==(const BridgeSpec&) const = default;
};

}  // namespace outpost::routing
