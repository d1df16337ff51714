// EdgeHub: authorization policies on plain MQTT topics (issue 14; docs/HUB.md, "Authorization
// policies"). hub.yaml's mqtt_broker.authorizations and the $edgeHub desired properties'
// mqttBroker.authorizations act as one policy (mqtt_policy). The hub's choices where no
// statement applies: CONNECT is allowed (the client already proved who it is, and being
// listed in hub.yaml or the device scope is the grant to connect); PUBLISH and SUBSCRIBE on
// plain topics are refused once any policy exists, and allowed when none does. IoT Hub topics
// never consult the policy: they follow each identity's own scope.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "edge_hub.h"
#include "plain_topic.h"
#include "outpost/mqtt_codec/topic.h"

namespace outpost::hub {

using mqtt_policy::Effect;

namespace {

std::string why_refused(const mqtt_policy::Decision& d) {
  if (d.effect == Effect::denied) return fmt::format("denied by {}", d.origin);
  return "no authorization statement allows it";
}

}  // namespace

mqtt_policy::Requester EdgeHub::requester_of(const ClientState& client) const {
  mqtt_policy::Requester who;
  who.client_id = client.id;
  if (client.plain) {
    who.identity = client.user.empty() ? std::string(mqtt_policy::kAnonymousIdentity) : client.user;
    return who;
  }
  who.identity = settings_.hostname + "/" + client.identity.id();
  who.device_id = client.identity.device_id;
  who.module_id = client.identity.module_id.value_or("");
  return who;
}

bool EdgeHub::admit_by_policy(const mqtt::ConnectionPtr& c, ClientState& client) {
  if (!policy_) return true;
  client.grants = policy_->for_client(requester_of(client), settings_.device_id);
  const auto decision = client.grants->connect();
  if (decision.effect != Effect::denied) return true;
  spdlog::warn("hub: refusing '{}' from {}: {}", client.id, c->remote_address(), why_refused(decision));
  metrics_.connect_failed(client.label, "policy").inc();
  metrics_.plain_refused("connect", "policy").inc();
  return false;
}

bool EdgeHub::may_publish_plain(ClientState& client, const std::string& topic) {
  if (!client.grants) return true;
  const auto decision = client.grants->publish(topic);
  if (decision.effect == Effect::allowed) return true;
  // A client that keeps publishing where it may not would flood the log: the first refusal
  // of a connection is a warning, the rest are counted and logged at debug level.
  const auto level = client.policy_refusal_logged ? spdlog::level::debug : spdlog::level::warn;
  spdlog::log(level, "hub: '{}' may not publish on '{}': {}; dropped{}", client.id, topic, why_refused(decision),
              client.policy_refusal_logged ? "" : " (further refusals: outpost_mqtt_refused_total)");
  client.policy_refusal_logged = true;
  metrics_.plain_refused("publish", "policy").inc();
  metrics_.dropped("not_authorized", client.label, "").inc();
  return false;
}

bool EdgeHub::may_subscribe_plain(const ClientState& client, const std::string& filter) {
  // An invalid filter is the plain broker's to refuse; the policy's matching assumes valid ones.
  if (!client.grants || !mqtt::validate_topic_filter(filter)) return true;
  const auto decision = client.grants->subscribe(subscribed_filter(filter));
  if (decision.effect == Effect::allowed) return true;
  spdlog::warn("hub: refused subscription of '{}' to '{}': {}", client.id, filter, why_refused(decision));
  metrics_.plain_refused("subscribe", "policy").inc();
  return false;
}

bool EdgeHub::may_publish_will(const ClientState& client) {
  if (!client.grants) return true;
  const auto decision = client.grants->publish(client.will->topic);
  if (decision.effect == Effect::allowed) return true;
  spdlog::warn("hub: not publishing the will of '{}' on '{}': {}", client.id, client.will->topic,
               why_refused(decision));
  metrics_.plain_refused("publish", "policy").inc();
  return false;
}

void EdgeHub::refresh_policy() {
  const auto& from_file = settings_.mqtt_broker.authorizations;
  if (!from_file && !desired_policy_) {
    policy_.reset();
  } else {
    policy_ = mqtt_policy::AuthorizationPolicy::combine(from_file.value_or(mqtt_policy::AuthorizationPolicy{}),
                                                        desired_policy_.value_or(mqtt_policy::AuthorizationPolicy{}));
  }
  if (policy_)
    spdlog::info("hub: MQTT authorization policy: {} statements (hub.yaml {}, $edgeHub {})", policy_->size(),
                 from_file ? from_file->size() : 0, desired_policy_ ? desired_policy_->size() : 0);
  // Clients already connected follow the new policy at once.
  std::vector<mqtt::ConnectionPtr> clients;
  for (const auto& [id, c] : connected_) clients.push_back(c);
  for (const auto& [id, c] : plain_connected_) clients.push_back(c);
  for (const auto& c : clients) {
    auto& client = state(c);
    client.grants.reset();
    if (!policy_) continue;
    client.grants = policy_->for_client(requester_of(client), settings_.device_id);
    if (const auto d = client.grants->connect(); d.effect == Effect::denied) {
      spdlog::warn("hub: closing '{}': the authorization policy no longer lets it connect ({})", client.id,
                   why_refused(d));
      metrics_.plain_refused("connect", "policy").inc();
      c->close(mqtt::CloseReason::server_closed, "the authorization policy no longer lets it connect");
      continue;
    }
    if (auto* session = plain_.find(client.id); session && drop_disallowed_filters(*session, client))
      save_plain_session(*session);
  }
}

bool EdgeHub::drop_disallowed_filters(PlainSession& session, const ClientState& client) {
  if (!client.grants) return false;
  std::vector<std::string> refused;
  for (const auto& [filter, options] : session.filters) {
    const auto d = client.grants->subscribe(subscribed_filter(filter));
    if (d.effect == Effect::allowed) continue;
    spdlog::warn("hub: removed the subscription of '{}' to '{}': the authorization policy no longer allows it ({})",
                 client.id, filter, why_refused(d));
    metrics_.plain_refused("subscribe", "policy").inc();
    refused.push_back(filter);
  }
  for (const auto& filter : refused) plain_.unsubscribe(session, filter);
  return !refused.empty();
}

}  // namespace outpost::hub
