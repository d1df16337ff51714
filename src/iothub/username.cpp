#include "outpost/iothub/username.h"

#include <vector>

#include <fmt/format.h>

#include "outpost/core/encoding.h"

namespace outpost::iothub {

Result<MqttUsername> parse_mqtt_username(std::string_view username) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (true) {
    const auto slash = username.find('/', start);
    segments.push_back(username.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
    // The property bag is the last segment; its values may hold encoded '/' only.
    if (start < username.size() && username[start] == '?') {
      segments.push_back(username.substr(start));
      break;
    }
  }
  if (segments.size() != 3 && segments.size() != 4)
    return make_error(fmt::format(
        "user name has {} segments; expected {{host}}/{{device}}[/{{module}}]/?api-version=...",
        segments.size()));
  const auto bag = segments.back();
  if (bag.empty() || (bag.front() != '?' && bag.find("api-version=") == std::string_view::npos))
    return make_error("user name does not end with ?api-version=...");
  MqttUsername out;
  out.host = std::string(segments[0]);
  out.identity.device_id = std::string(segments[1]);
  if (segments.size() == 4) out.identity.module_id = std::string(segments[2]);
  if (out.identity.device_id.empty() || (out.identity.module_id && out.identity.module_id->empty()))
    return make_error("user name has an empty device or module id");
  std::string_view query = bag.front() == '?' ? bag.substr(1) : bag;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto item = query.substr(0, amp);
    const auto eq = item.find('=');
    const auto key = item.substr(0, eq);
    std::string value;
    if (eq != std::string_view::npos) {
      auto decoded = url_decode(item.substr(eq + 1));
      if (!decoded) return make_error(fmt::format("user name: bad percent-encoding in '{}'", key));
      value = std::move(*decoded);
    }
    if (key == "api-version") out.api_version = value;
    else if (key == "DeviceClientType") out.device_client_type = value;
    else if (key == "model-id") out.model_id = value;
    else if (key == "auth-chain") out.auth_chain = value;
    // Unknown keys are ignored, as edgeHub does.
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  if (out.api_version.empty()) return make_error("user name has no api-version");
  return out;
}

bool host_accepted(std::string_view host, const std::vector<std::string>& accepted) {
  for (const auto& name : accepted)
    if (iequals(host, name)) return true;
  return false;
}

std::string format_mqtt_username(std::string_view host, const Identity& identity,
                                 std::string_view api_version,
                                 std::optional<std::string_view> auth_chain,
                                 std::optional<std::string_view> client_type) {
  std::string out = fmt::format("{}/{}/?api-version={}", host, identity.id(), api_version);
  if (client_type) out += "&DeviceClientType=" + url_encode(*client_type, HexCase::upper);
  if (auth_chain) out += "&auth-chain=" + url_encode(*auth_chain, HexCase::upper);
  return out;
}

}  // namespace outpost::iothub
