// EdgeHub: operations behind the management API — twins, direct methods, C2D, status.
#include <spdlog/spdlog.h>

#include "hub/edge_hub.h"
#include "outpost/core/crypto.h"
#include "outpost/core/property_bag.h"

namespace outpost::hub {

nlohmann::json EdgeHub::twin(const iothub::Identity& identity) {
  const auto& t = twins_.get(identity);
  nlohmann::json out{{"deviceId", identity.device_id}, {"properties", t.to_json()}};
  if (identity.module_id) out["moduleId"] = *identity.module_id;
  out["version"] = t.desired_version() + t.reported_version();
  out["connectionState"] = connection_of(identity) ? "Connected" : "Disconnected";
  return out;
}

Result<std::int64_t> EdgeHub::update_desired(const iothub::Identity& identity, const nlohmann::json& desired,
                                             bool replace) {
  auto version = replace ? twins_.replace_desired(identity, desired) : twins_.patch_desired(identity, desired);
  if (!version) return version;
  auto conn = connection_of(identity);
  if (conn && state(conn).subscribed(iothub::SubscriptionKind::twin_desired)) {
    nlohmann::json body = replace ? twins_.get(identity).desired() : desired;
    body["$version"] = *version;
    conn->publish(iothub::twin_desired_topic(*version), body.dump(), 0);
  }
  return version;
}

void EdgeHub::invoke_method(const iothub::Identity& target, const std::string& method, const std::string& payload_json,
                            std::chrono::seconds timeout, MethodRouter::Callback done) {
  metrics_.direct_methods("management", target.id()).inc();
  auto conn = connection_of(target);
  const bool listens = conn && state(conn).subscribed(iothub::SubscriptionKind::methods);
  methods_.invoke(conn, listens, method, payload_json, timeout, std::move(done));
}

Status EdgeHub::send_c2d(const std::string& device_id, Message message) {
  auto conn = connection_of({device_id, std::nullopt});
  if (!conn || !state(conn).subscribed(iothub::SubscriptionKind::c2d))
    return make_error("the device is not connected or not subscribed to cloud-to-device messages");
  if (!message.system.contains(sysprop::kMessageId)) message.system.set(std::string(sysprop::kMessageId), random_uuid());
  conn->publish(iothub::c2d_topic(device_id, encode_property_bag(message)), message.body, 1);
  return {};
}

HubStatus EdgeHub::status() const {
  HubStatus s;
  s.connected_clients = connected_.size();
  for (const auto& [id, conn] : connected_) s.clients.push_back(id);
  s.store_bytes = store_.disk_bytes();
  s.queues = store_.stats();
  return s;
}

}  // namespace outpost::hub
