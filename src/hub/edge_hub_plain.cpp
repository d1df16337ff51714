// EdgeHub: plain MQTT topics and clients beside IoT Hub's (issue 14; docs/HUB.md, "Plain
// MQTT"). User-name/password and anonymous clients connect here and use plain topics only;
// IoT Hub identities may use plain topics too. The PlainBroker keeps sessions, subscriptions
// and retained messages; persistent sessions' queues are in edge_hub_plain_sessions.cpp.
#include <iterator>

#include <spdlog/spdlog.h>

#include "edge_hub.h"
#include "plain_authenticator.h"
#include "plain_properties.h"
#include "plain_session_delivery.h"
#include "plain_topic.h"

namespace outpost::hub {

bool EdgeHub::plain_clients_configured() const {
  return !settings_.mqtt_broker.users.empty() || !settings_.mqtt_broker.anonymous_listeners.empty();
}

mqtt::ConnectDecision EdgeHub::connect_plain(const mqtt::ConnectionPtr& c, const mqtt::ConnectPacket& p,
                                             const std::string& iothub_problem) {
  const auto listener = listener_of_transport(c->transport_name());
  const auto auth = authenticate_plain(p, settings_.mqtt_broker, listener, iothub_problem);
  // A bounded metrics label: configured user names only (client ids are the client's choice).
  const std::string label = !auth.ok() ? "mqtt:refused" : auth.user.empty() ? "mqtt:anonymous" : "mqtt:" + auth.user;
  if (!auth.ok()) {
    spdlog::warn("hub: refusing MQTT client '{}' from {}: {}", p.client_id, c->remote_address(), auth.reason);
    metrics_.connect_failed(label, "auth").inc();
    return {auth.code, false};
  }
  auto client = std::make_shared<ClientState>();
  client->plain = true;
  client->id = p.client_id;
  client->user = auth.user;
  client->label = label;
  if (!admit_by_policy(c, *client)) return {mqtt::ConnectReturnCode::not_authorized, false};
  if (const auto old = plain_connected_.find(p.client_id); old != plain_connected_.end()) {
    spdlog::info("hub: MQTT client '{}' connected again from {}; closing its previous connection", p.client_id,
                 c->remote_address());
    old->second->close(mqtt::CloseReason::taken_over, "a new connection with the same client id");
  }
  client->clean_session = p.clean_session;
  client->session_expiry = session_expiry_of(p);
  client->will = p.will;
  client->received_default = &metrics_.received(label, "");
  bool session_present = false;
  if (!open_plain_session(c, *client, p.clean_session, session_present)) {
    metrics_.connect_failed(label, "sessions").inc();
    return {mqtt::ConnectReturnCode::server_unavailable, false};
  }
  c->user_state = client;
  plain_connected_[p.client_id] = c;
  metrics_.connect_success(label).inc();
  spdlog::info("hub: MQTT client '{}' ({}) connected from {} over {}{}", p.client_id,
               auth.user.empty() ? "anonymous" : "user '" + auth.user + "'", c->remote_address(), c->transport_name(),
               session_present ? " (session resumed)" : "");
  return {mqtt::ConnectReturnCode::accepted, session_present};
}

void EdgeHub::publish_plain(const mqtt::ConnectionPtr& c, ClientState& client, mqtt::PublishPacket&& p,
                            mqtt::PublishTicket ticket) {
  client.received_default->inc();
  if (!may_publish_plain(client, p.topic)) {
    // MQTT 3.1.1 has no refusal: acknowledged, dropped. MQTT 5 is told: Not authorized.
    if (ticket != 0) c->complete_publish(ticket, mqtt::refusal::not_authorized);
    return;
  }
  PlainPublish publish{.topic = p.topic, .payload = p.payload, .qos = p.qos, .retain = p.retain};
  if (c->protocol_level() >= mqtt::kMqtt5) {
    if (auto passed = passed_on(p.properties, unix_now_ms()); !passed.empty())
      publish.properties = std::make_shared<const PlainProperties>(std::move(passed));
    if (const auto* session = plain_.find(client.id)) publish.publisher = session->id;
  }
  deliver_plain(c, client.label, publish, ticket);
}

void EdgeHub::send_plain(const mqtt::ConnectionPtr& c, const PlainSession& session, std::string_view topic,
                         std::string_view payload, std::uint8_t qos, bool retain, const PlainProperties* properties,
                         std::int64_t now_ms, bool own_publish) {
  if (c->protocol_level() < mqtt::kMqtt5 || (!properties && session.with_ids == 0)) {
    c->publish(topic, payload, qos, 0, false, retain);
    return;
  }
  static const PlainProperties kNone;
  const auto sent = delivery_properties(properties ? *properties : kNone, now_ms, session.subscription_ids_for(topic, own_publish));
  c->publish(topic, payload, qos, 0, false, retain, &sent);
}

void EdgeHub::deliver_plain(const std::weak_ptr<mqtt::Connection>& sender, const std::string& from,
                            const PlainPublish& p, mqtt::PublishTicket ticket, const MqttBridge* from_bridge) {
  const auto topic = p.topic;
  const auto payload = p.payload;
  const auto qos = p.qos;
  const auto* properties = p.properties.get();
  const auto now_ms = properties ? unix_now_ms() : 0;
  std::vector<store::QueueTarget> queues;
  Wakes wakes;
  if (p.retain) {
    // Asked before the in-memory update: a clearing is stored only if there is something to clear.
    const bool store_it = retained_needs_storing(topic, payload.empty());
    if (!plain_.retain(topic, payload, qos, p.properties)) {
      spdlog::warn("hub: not retaining '{}' from '{}': {} retained messages ({} bytes) held, the limit", topic, from,
                   plain_.retained().size(), plain_.retained().bytes());
      metrics_.plain_refused("retain", "retained_limit").inc();
    } else if (store_it) {
      queues.push_back({retained_queue(), 0});
      wakes.retained = true;
    }
  }
  for (const auto& target : plain_.match(topic, qos, p.retain, p.publisher)) {
    auto* session = plain_.session(target.session);
    if (!session) continue;  // ended by an earlier target's delivery (a will, a takeover)
    if (session->persistent && target.qos > 0) {
      if (store_.queue_length(session->queue) >= settings_.mqtt_broker.max_queued_messages) {
        spdlog::log(session->queue_full_logged ? spdlog::level::debug : spdlog::level::warn,
                            "hub: not queueing '{}' for MQTT session '{}': {} messages queued, the limit", topic,
                    session->client_id, settings_.mqtt_broker.max_queued_messages);
        session->queue_full_logged = true;
        metrics_.dropped("session_queue_full", from, "").inc();
        continue;
      }
      session->queue_full_logged = false;
      queues.push_back({session->queue, 0});
      wakes.plain_sessions.push_back(session->id);
      continue;
    }
    if (const auto c = session->online()) {
      send_plain(c, *session, topic, payload, target.qos, target.retain, properties, now_ms,
                 session->id == p.publisher);
    } else if (session->persistent) {
      // MQTT 3.1.1 leaves QoS 0 for an absent client to the server; like mosquitto, not kept.
      spdlog::debug("hub: QoS 0 message on '{}' not kept for absent MQTT client '{}'", topic, session->client_id);
      metrics_.dropped("subscriber_offline", from, "").inc();
    }
  }
  for (std::size_t i = 0; i < bridges_.size(); ++i) {
    const auto& bridge = *bridges_[i];
    if (&bridge == from_bridge || !bridge.config().remote_topic(topic)) continue;
    queues.push_back({bridge.queue(), 0});
    wakes.bridges.push_back(i);
  }
  // Routes that take plain topics (FROM /topics/...): into module inputs and $upstream too.
  const auto stored_form = [&] {
    auto m = plain_message(topic, payload, qos);
    if (properties) add_to_message(*properties, m);  // user properties: application properties
    return m;
  };
  std::optional<Message> routed;
  if (routes_->takes_topics()) {
    routed = stored_form();
    routed->application.set(std::string(sysprop::kMqttTopic), std::string(topic));  // what modules and the cloud see
    stamp(*routed, edgehub_identity_);  // sent upstream as the hub's own telemetry
    routes_->match(*routed, matches_);
    add_matched_endpoints(queues, wakes);
  }
  if (queues.empty()) {
    // Delivered live to the connected subscribers: nothing waits on the store.
    if (auto c = sender.lock(); c && ticket != 0) c->complete_publish(ticket);
    return;
  }
  store_or_park(sender, std::make_shared<const Message>(routed ? std::move(*routed) : stored_form()),
                std::move(queues), std::move(wakes), qos, ticket, from, "");
}

void EdgeHub::refuse_iothub_publish(const mqtt::ConnectionPtr& c, const ClientState& client, const std::string& topic,
                                    mqtt::PublishTicket ticket) {
  spdlog::warn("hub: MQTT client '{}' may not publish on IoT Hub topic '{}'; dropped", client.id, topic);
  metrics_.plain_refused("publish", "not_authorized").inc();
  metrics_.dropped("not_authorized", client.label, "").inc();
  if (ticket != 0) c->complete_publish(ticket, mqtt::refusal::not_authorized);
}

std::vector<std::size_t> EdgeHub::subscribe_plain(const mqtt::ConnectionPtr& c, const ClientState& client,
                                                  const std::vector<mqtt::Subscription>& subs,
                                                  std::vector<std::uint8_t>& codes) {
  std::vector<std::size_t> iothub;
  std::vector<PlainBroker::RetainedDelivery> retained;
  PlainSession* session = nullptr;
  bool changed = false;
  for (std::size_t i = 0; i < subs.size(); ++i) {
    const auto& sub = subs[i];
    if (!is_plain_topic(subscribed_filter(sub.filter))) {
      if (!client.plain) {
        iothub.push_back(i);
        continue;
      }
      spdlog::warn("hub: refused subscription of MQTT client '{}' to IoT Hub topic '{}'", client.id, sub.filter);
      metrics_.plain_refused("subscribe", "not_authorized").inc();
      codes[i] = mqtt::refusal::not_authorized;
      continue;
    }
    if (!may_subscribe_plain(client, sub.filter)) {
      codes[i] = mqtt::refusal::not_authorized;
      continue;
    }
    if (!session && !(session = plain_session_for(c, client))) {
      codes[i] = mqtt::refusal::quota_exceeded;
      metrics_.plain_refused("subscribe", "session_limit").inc();
      continue;
    }
    bool is_new = false;
    auto g = plain_.subscribe(*session, sub.filter,
                              {.qos = sub.qos, .no_local = sub.no_local, .retain_as_published = sub.retain_as_published,
                               .subscription_id = sub.subscription_id},
                              &is_new);
    codes[i] = g.code == mqtt::kSubackFailure ? g.reason : g.code;  // the session says 0x80 to 3.1.1
    if (g.code == mqtt::kSubackFailure) {
      spdlog::warn("hub: refused subscription of '{}' to '{}': {}", client.id, sub.filter, g.refused);
      metrics_.plain_refused("subscribe", "subscription_limit").inc();
    } else {
      spdlog::debug("hub: '{}' subscribed to '{}' (QoS {})", client.id, sub.filter, g.code);
      changed = true;
      // Retain Handling (MQTT 5): 0 sends the retained messages, 1 only for a new
      // subscription, 2 never.
      if (sub.retain_handling == 0 || (sub.retain_handling == 1 && is_new)) {
        auto matching = plain_.retained_for(sub.filter, g.code);
        std::move(matching.begin(), matching.end(), std::back_inserter(retained));
      }
    }
  }
  // Kept before the SUBACK says so: a persistent session's subscriptions survive a crash.
  if (changed && session->persistent) save_plain_session(*session);
  if (!retained.empty()) {
    // Retained messages follow the SUBACK (§3.8.4): sent once this call returned.
    loop_.post([this, alive = std::weak_ptr<bool>(alive_), weak = std::weak_ptr<mqtt::Connection>(c), id = session->id,
                retained = std::move(retained)] {
      auto conn = weak.lock();
      if (alive.expired() || !conn || !conn->open()) return;
      const auto* s = plain_.session(id);
      if (!s) return;
      const auto now_ms = unix_now_ms();
      for (const auto& r : retained) {
        if (r.properties && r.properties->expired(now_ms)) continue;  // its Message Expiry ran out
        send_plain(conn, *s, r.topic, r.payload, r.qos, /*retain=*/true, r.properties.get(), now_ms);
      }
    });
  }
  return iothub;
}

void EdgeHub::publish_plain_will(const ClientState& client, mqtt::CloseReason reason) {
  if (!client.will || reason == mqtt::CloseReason::client_disconnect || !is_plain_topic(client.will->topic)) return;
  if (!may_publish_will(client) || hold_plain_will(client)) return;
  send_plain_will(client.id, client.label, *client.will);
}

void EdgeHub::close_plain(const mqtt::ConnectionPtr& c, const ClientState& client, mqtt::CloseReason reason) {
  const auto it = plain_connected_.find(client.id);
  if (it != plain_connected_.end() && it->second == c) plain_connected_.erase(it);
  metrics_.disconnect(client.label).inc();
  spdlog::info("hub: MQTT client '{}' disconnected: {}", client.id, mqtt::close_reason_name(reason));
  detach_plain_session(c, client);
  if (client.will && !is_plain_topic(client.will->topic))
    spdlog::warn("hub: ignoring the will of MQTT client '{}': IoT Hub topic '{}'", client.id, client.will->topic);
  publish_plain_will(client, reason);
}

}  // namespace outpost::hub
