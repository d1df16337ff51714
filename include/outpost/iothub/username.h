// The MQTT CONNECT user name IoT Hub clients send:
//   {host}/{d}[/{m}]/?api-version={v}[&DeviceClientType={enc}][&model-id={enc}][&auth-chain={enc}]
// Parsed the way edgeHub's MqttUsernameParser does (see hub-protocol.md §1).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/core/result.h"
#include "outpost/iothub/identity.h"

namespace outpost::iothub {

struct MqttUsername {
  std::string host;  // must name the hub: see host_accepted (edgeHub ignores it; Outpost does not)
  Identity identity;
  std::string api_version;
  std::optional<std::string> device_client_type;
  std::optional<std::string> model_id;
  std::optional<std::string> auth_chain;  // "leaf;edge[;parentEdge]": on-behalf-of
};

Result<MqttUsername> parse_mqtt_username(std::string_view username);

// Whether `host` (a user name's) is one of `accepted` (the hub's host name, its gateway host
// name), compared case-insensitively as DNS names are.
bool host_accepted(std::string_view host, const std::vector<std::string>& accepted);

// The username an upstream client sends for `identity` (used by the edge hub's upstream).
std::string format_mqtt_username(std::string_view host, const Identity& identity,
                                 std::string_view api_version,
                                 std::optional<std::string_view> auth_chain = std::nullopt,
                                 std::optional<std::string_view> client_type = std::nullopt);

inline constexpr std::string_view kApiVersion = "2021-04-12";

}  // namespace outpost::iothub
