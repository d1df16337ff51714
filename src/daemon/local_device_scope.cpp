#include "local_device_scope.h"

#include <ctime>

#include <fmt/format.h>

#include "outpost/core/sas_token.h"
#include "workload_api.h"

namespace outpost::daemon {

using nlohmann::json;

LocalDeviceScope::LocalDeviceScope(std::string iothub_hostname, std::string device_id, const KeyStore& keys,
                                   const IdentityStore& identities)
    : hostname_(std::move(iothub_hostname)), device_id_(std::move(device_id)), keys_(keys), identities_(identities) {}

bool LocalDeviceScope::is_device_scope_path(const net::HttpRequest& request) {
  const auto s = request.path_segments();
  return s.size() == 5 && s[0] == "devices" && s[2] == "modules" && s[3] == "$edgeHub" &&
         (s[4] == "devicesAndModulesInTargetDeviceScope" || s[4] == "getDeviceAndModuleOnBehalfOf");
}

net::HttpResponse LocalDeviceScope::handle(const net::HttpRequest& request) const {
  const auto s = request.path_segments();
  if (request.method != "POST") return api_error(400, "method not allowed");
  if (s[1] != device_id_) return api_error(404, fmt::format("this device is '{}', not '{}'", device_id_, s[1]));
  if (s[4] != "devicesAndModulesInTargetDeviceScope")
    return api_error(404, "this device has no children: only devicesAndModulesInTargetDeviceScope is served");
  const auto hub = identities_.find("$edgeHub");
  const auto token = request.header("Authorization");
  if (!hub || !token) return api_error(401, "a token of $edgeHub is required");
  const SasKeys keys{keys_.module_key("$edgeHub", hub->generation_id, KeySlot::primary),
                     keys_.module_key("$edgeHub", hub->generation_id, KeySlot::secondary)};
  const SasAudience audience{{hostname_}, device_id_, std::string("$edgeHub")};
  const auto verdict = verify_sas_token(*token, keys, &audience, static_cast<std::int64_t>(std::time(nullptr)));
  if (!verdict.ok()) return api_error(401, "the token of $edgeHub does not verify: " + verdict.detail);

  const json device{{"deviceId", device_id_},
                    {"generationId", ""},
                    {"status", "enabled"},
                    {"authentication", {{"type", "none"}}},
                    {"capabilities", {{"iotEdge", true}}}};
  auto modules = json::array();
  for (const auto& identity : identities_.list()) {
    const auto primary = keys_.module_key(identity.module_id, identity.generation_id, KeySlot::primary);
    const auto secondary = keys_.module_key(identity.module_id, identity.generation_id, KeySlot::secondary);
    modules.push_back({{"moduleId", identity.module_id},
                       {"deviceId", device_id_},
                       {"managedBy", identity.managed_by},
                       {"generationId", identity.generation_id},
                       {"authentication", {{"type", "sas"}, {"symmetricKey", {{"primaryKey", primary}, {"secondaryKey", secondary}}}}}});
  }
  return net::HttpResponse::json(200, json{{"devices", json::array({device})}, {"modules", modules}, {"continuationLink", nullptr}}.dump());
}

}  // namespace outpost::daemon
