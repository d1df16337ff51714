#include "mqtt_bridge.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "plain_session_delivery.h"

namespace outpost::hub {

std::string bridge_queue_name(std::size_t index) { return "mqtt-bridge-" + std::to_string(index); }

MqttBridge::MqttBridge(net::EventLoop& loop, store::MessageStore& store, HubMetrics& metrics, BridgeConfig config,
                       std::size_t index, std::size_t window, Incoming on_incoming)
    : loop_(loop),
      store_(store),
      metrics_(metrics),
      config_(std::move(config)),
      window_(window),
      on_incoming_(std::move(on_incoming)),
      queue_(store.queue(bridge_queue_name(index))) {}

MqttBridge::~MqttBridge() { *alive_ = false; }  // (the link may be gone already: no stop())

void MqttBridge::start() {
  UpstreamLogin login{config_.client_id, config_.username, {}};
  if (config_.password) login.password = [password = *config_.password]() -> std::optional<std::string> { return password; };
  UpstreamConnection::Callbacks callbacks;
  callbacks.on_connected = [this] {
    spdlog::info("hub: bridge to {} connected; {} messages queued for it", config_.endpoint, store_.queue_length(queue_));
    resume();
  };
  callbacks.on_lost = [this](const std::string& reason) {
    spdlog::warn("hub: bridge to {} lost its connection ({}); queueing for it on disk", config_.endpoint, reason);
  };
  callbacks.on_message = [this](const std::string& topic, std::string payload, int qos, bool retained) {
    receive(topic, std::move(payload), qos, retained);
  };
  connection_ = std::make_unique<UpstreamConnection>(loop_, UpstreamEndpoint{config_.server_uri, config_.ca_file, ""},
                                                     std::move(login), "bridge " + config_.endpoint,
                                                     std::move(callbacks));
  for (const auto& s : config_.settings)
    if (s.in) connection_->subscribe(s.remote_filter(), 1);
  connection_->start();
}

void MqttBridge::start_over(UpstreamConnection& link) {
  link_ = &link;
  for (const auto& s : config_.settings)
    if (s.in) link.subscribe(s.remote_filter(), 1);
  spdlog::info("hub: bridge to $upstream over the link to the parent; {} messages queued for it",
               store_.queue_length(queue_));
  if (link.connected()) resume();
}

void MqttBridge::stop() {
  if (!link_) return;
  for (const auto& s : config_.settings)
    if (s.in) link_->unsubscribe(s.remote_filter());
  link_ = nullptr;
}

void MqttBridge::resume() {
  cursor_ = 0;  // what was in flight on the last connection goes again, in order
  pump();
}

void MqttBridge::receive(const std::string& topic, std::string payload, int qos, bool retained) {
  const auto local = config_.local_topic(topic);
  if (!local) {
    spdlog::debug("hub: bridge to {}: '{}' matches no in setting; dropped", config_.endpoint, topic);
    metrics_.dropped("bridge_unmapped", "bridge:" + config_.endpoint, "").inc();
    return;
  }
  on_incoming_(*local, std::move(payload), static_cast<std::uint8_t>(std::clamp(qos, 0, 2)), retained);
}

void MqttBridge::pump() {
  if (pumping_ || !connected()) return;  // a completion inside publish() must not re-enter
  pumping_ = true;
  while (in_flight_.size() < window_) {
    const auto batch = store_.read(queue_, cursor_, window_ - in_flight_.size());
    if (batch.empty()) break;
    for (const auto& entry : batch) {
      cursor_ = entry.seq;
      if (in_flight_.count(entry.seq)) continue;
      const auto topic = plain_message_topic(*entry.message);
      const auto remote = topic ? config_.remote_topic(*topic) : std::nullopt;
      if (!remote) {  // the settings changed since it was queued
        spdlog::warn("hub: bridge to {}: a queued message on '{}' no longer maps to a remote topic; dropped",
                     config_.endpoint, topic.value_or("?"));
        metrics_.dropped("bridge_unmapped", "", "").inc();
        store_.ack(queue_, entry.seq);
        continue;
      }
      in_flight_.insert(entry.seq);
      this->remote()->publish(*remote, entry.message->body, 1,
                           [this, alive = std::weak_ptr<bool>(alive_), seq = entry.seq](bool ok) {
                             if (alive.lock()) delivered(seq, ok);
                           });
    }
  }
  pumping_ = false;
}

void MqttBridge::delivered(store::Sequence seq, bool ok) {
  in_flight_.erase(seq);
  if (ok) {
    store_.ack(queue_, seq);
  } else {
    cursor_ = 0;  // resend from the head once connected again
  }
  pump();
}

}  // namespace outpost::hub
