// EdgeHub: operations behind the management API — twins, direct methods, C2D, status.
#include <spdlog/spdlog.h>

#include "edge_hub.h"
#include "outpost/core/crypto.h"
#include "outpost/core/json.h"
#include "outpost/core/property_bag.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/c2d_headers.h"

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
  nlohmann::json body = replace ? twins_.get(identity).desired() : desired;
  body["$version"] = *version;
  push_desired(identity, body);
  return version;
}

void EdgeHub::push_desired(const iothub::Identity& identity, const nlohmann::json& body) {
  if (identity == edgehub_identity_) return;
  auto conn = connection_of(identity);
  if (conn && state(conn).subscribed(iothub::SubscriptionKind::twin_desired))
    conn->publish(iothub::twin_desired_topic(integer_field(body, "$version", 0)), body.dump(), 0);
}

void EdgeHub::on_upstream_twin(const iothub::Identity& identity, const nlohmann::json& twin) {
  const auto diff = twins_.take_cloud_twin(identity, twin);
  if (identity == edgehub_identity_) {
    const auto& t = twins_.get(identity);
    if (diff) apply_edgehub_desired(t.desired(), t.desired_version());
    return;
  }
  // Push what changed while the link was down, as edgeHub does on reconnect.
  if (diff) push_desired(identity, *diff);
}

void EdgeHub::on_upstream_desired(const iothub::Identity& identity, const nlohmann::json& patch, std::int64_t version) {
  twins_.take_cloud_desired_patch(identity, patch, version);
  if (identity == edgehub_identity_) {
    const auto& t = twins_.get(identity);
    apply_edgehub_desired(t.desired(), t.desired_version());
    return;
  }
  auto body = patch;
  body["$version"] = version;
  push_desired(identity, body);
}

void EdgeHub::apply_edgehub_desired(const nlohmann::json& desired, std::int64_t version) {
  auto doc = desired;
  doc.erase("$version");
  auto config = routing::parse_edgehub_desired(doc);
  nlohmann::json status;
  if (config) {
    apply_config(std::move(*config));
    status = {{"code", 200}};
  } else {
    spdlog::error("hub: $edgeHub desired properties version {} refused, keeping the running routes: {}", version,
                  config.error());
    status = {{"code", 400}, {"description", "Error while parsing desired properties - " + config.error()}};
  }
  if (upstream_) upstream_->report(edgehub_identity_, {{"lastDesiredVersion", version}, {"lastDesiredStatus", status}});
}

void EdgeHub::on_upstream_method(const iothub::Identity& identity, const std::string& method, const std::string& rid,
                                 const std::string& payload) {
  metrics_.direct_methods("upstream", identity.id()).inc();
  auto conn = connection_of(identity);
  const bool listens = conn && state(conn).subscribed(iothub::SubscriptionKind::methods);
  methods_.invoke({identity, method, payload.empty() ? "null" : payload, std::chrono::seconds(30)},
                  listens ? conn : nullptr, [this, identity, rid](iothub::MethodResult result) {
                    if (upstream_) upstream_->answer_method(identity, rid, result.status, result.payload_json);
                  });
}

void EdgeHub::report_client(const ClientState& client, bool connected) {
  // edgeHub's reported "clients": keys escape '.', '$' and ' '; a leaf that leaves is removed.
  std::string key;
  for (const char c : client.id) {
    if (c == '.') key += "%2E";
    else if (c == '$') key += "%24";
    else if (c == ' ') key += "%20";
    else key += c;
  }
  nlohmann::json entry;
  const auto now = format_iso8601(clock_.now());
  if (connected) entry = {{"status", "Connected"}, {"lastConnectedTimeUtc", now}};
  else if (client.identity.module_id) entry = {{"status", "Disconnected"}, {"lastDisconnectedTimeUtc", now}};
  upstream_->report(edgehub_identity_, {{"clients", {{key, entry}}}});
}

void EdgeHub::invoke_method(const iothub::Identity& target, iothub::MethodRequest request,
                            iothub::MethodDispatcher::Callback done) {
  metrics_.direct_methods("management", target.id()).inc();
  auto conn = connection_of(target);
  const bool listens = conn && state(conn).subscribed(iothub::SubscriptionKind::methods);
  methods_.invoke({target, std::move(request.method), std::move(request.payload_json), request.response_timeout,
                   request.connect_timeout},
                  listens ? conn : nullptr, std::move(done));
}

EdgeHub::C2dRelay EdgeHub::send_c2d(const std::string& device_id, Message message) {
  if (const auto expiry = iothub::expiry_of(message); expiry && *expiry <= clock_.unix_millis()) {
    spdlog::info("hub: dropped a cloud-to-device message for '{}': it expired at {}", device_id,
                 *message.system.get(sysprop::kExpiryTime));
    metrics_.dropped("ttl_expiry", "$c2d", "").inc();
    return C2dRelay::expired;
  }
  auto conn = connection_of({device_id, std::nullopt});
  if (!conn || !state(conn).subscribed(iothub::SubscriptionKind::c2d)) return C2dRelay::not_connected;
  if (!message.system.contains(sysprop::kMessageId)) message.system.set(std::string(sysprop::kMessageId), random_uuid());
  conn->publish(iothub::c2d_topic(device_id, encode_property_bag(message)), message.body, 1);
  return C2dRelay::relayed;
}

bool EdgeHub::verify_token(const iothub::Identity& identity, const std::string& token) const {
  const auto* keys = identities_.keys(identity);
  if (keys == nullptr) return false;
  const SasAudience audience{auth_settings_.accepted_hosts, identity.device_id, identity.module_id};
  return verify_sas_token(token, *keys, &audience, clock_.unix_seconds()).ok();
}

bool EdgeHub::knows(const iothub::Identity& identity) const {
  if (identities_.contains(identity)) return true;
  return identity.device_id == settings_.device_id &&
         (identity.module_id == "$edgeHub" || identity.module_id == "$edgeAgent");
}

HubStatus EdgeHub::status() const {
  HubStatus s;
  s.connected_clients = connected_.size() + plain_connected_.size();
  for (const auto& [id, conn] : connected_) s.clients.push_back(id);
  for (const auto& [id, conn] : plain_connected_) s.clients.push_back("mqtt:" + id);
  s.store_bytes = store_.disk_bytes();
  s.queues = store_.stats();
  s.upstream = !upstream_ ? "standalone" : upstream_->online() ? "online" : "offline";
  return s;
}

}  // namespace outpost::hub
