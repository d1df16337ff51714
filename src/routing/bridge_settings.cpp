#include "outpost/routing/bridge_settings.h"

#include <fmt/format.h>

#include "outpost/mqtt_codec/topic.h"

namespace outpost::routing {

Result<BridgeSetting> make_bridge_setting(std::string_view direction, std::string topic, std::string in_prefix,
                                          std::string out_prefix) {
  BridgeSetting s;
  s.in = direction == "in" || direction == "both";
  s.out = direction == "out" || direction == "both";
  if (!s.in && !s.out) return make_error(fmt::format("direction: '{}': expected in, out or both", direction));
  s.topic = std::move(topic);
  s.in_prefix = std::move(in_prefix);
  s.out_prefix = std::move(out_prefix);
  if (s.in_prefix.find_first_of("+#") != std::string::npos) return make_error("inPrefix: may not hold + or #");
  if (s.out_prefix.find_first_of("+#") != std::string::npos) return make_error("outPrefix: may not hold + or #");
  for (const auto& filter : {s.local_filter(), s.remote_filter()})
    if (auto valid = mqtt::validate_topic_filter(filter); !valid)
      return make_error(fmt::format("topic: '{}' is not a valid topic filter: {}", filter, valid.error()));
  return s;
}

Result<std::string> bridge_server_uri(std::string_view endpoint) {
  if (endpoint == kUpstreamBridge) return std::string();
  std::string uri;
  if (endpoint.starts_with("mqtt://")) uri = "tcp://" + std::string(endpoint.substr(7));
  else if (endpoint.starts_with("mqtts://")) uri = "ssl://" + std::string(endpoint.substr(8));
  else return make_error(fmt::format("'{}': expected $upstream, mqtt://host:port or mqtts://host:port", endpoint));
  if (uri.find(':', 6) == std::string::npos) return make_error(fmt::format("'{}': the port is missing", endpoint));
  return uri;
}

}  // namespace outpost::routing
