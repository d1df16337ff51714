// EdgeHub: MQTT bridges (docs/HUB.md, "Bridges") — hub.yaml's, then the $edgeHub twin's
// mqttBroker.bridges, replaced as a whole with each desired update that changes them. A
// $upstream bridge has no connection of its own: it publishes and subscribes over the upstream
// link's connection as $edgeHub (the parent sees the hub's own identity on plain topics), and
// resumes whenever that link comes up.
#include <spdlog/spdlog.h>

#include "edge_hub.h"

namespace outpost::hub {

void EdgeHub::add_bridge(BridgeConfig config) {
  auto bridge = std::make_unique<MqttBridge>(loop_, store_, metrics_, std::move(config), bridges_.size(),
                                             settings_.delivery_window, nullptr);
  const auto* self = bridge.get();
  bridge->set_incoming([this, self](const std::string& topic, std::string payload, std::uint8_t qos, bool retain) {
    deliver_plain({}, "bridge:" + self->config().endpoint,
                  {.topic = topic, .payload = payload, .qos = qos, .retain = retain}, 0, self);
  });
  bridges_.push_back(std::move(bridge));
  if (started_) start_bridge(*bridges_.back());
}

void EdgeHub::start_bridge(MqttBridge& bridge) {
  if (!bridge.config().upstream()) {
    bridge.start();
    return;
  }
  auto* link = upstream_ ? upstream_->own_connection() : nullptr;
  if (!link) {
    spdlog::error("hub: a $upstream bridge needs the hub's link to its parent (hub.yaml `upstream`); "
                  "what it takes waits in its queue");
    return;
  }
  bridge.start_over(*link);
}

void EdgeHub::apply_twin_bridges(const std::optional<std::vector<routing::BridgeSpec>>& specs) {
  if (specs == twin_bridges_) return;  // unchanged: no reconnects for a route change
  const auto first_twin = settings_.mqtt_broker.bridges.size();
  const auto before = bridges_.size();
  for (auto n = first_twin; n < before; ++n) bridges_[n]->stop();  // a $upstream one's subscriptions go
  bridges_.resize(first_twin);
  twin_bridges_ = specs;
  if (specs)
    for (const auto& spec : *specs) add_bridge(bridge_from_twin(spec, settings_.device_id, bridges_.size()));
  // Queues of bridges the twin no longer has would wait for ever.
  for (auto n = bridges_.size(); n < before; ++n) {
    const auto queue = store_.queue(bridge_queue_name(n));
    if (const auto dropped = drain_queue(queue); dropped > 0) {
      spdlog::warn("hub: dropped {} messages queued for a bridge the $edgeHub twin removed ('{}')", dropped,
                   bridge_queue_name(n));
      metrics_.dropped("bridge_removed", "", "").inc(static_cast<double>(dropped));
    }
  }
  spdlog::info("hub: {} bridges from the $edgeHub twin", specs ? specs->size() : 0);
}

void EdgeHub::on_upstream_plain(const std::string& topic, std::string payload, int qos, bool retained) {
  for (auto& bridge : bridges_)
    if (bridge->config().upstream() && bridge->config().local_topic(topic))
      return bridge->receive(topic, std::move(payload), qos, retained);
  spdlog::debug("hub: '{}' from the parent matches no $upstream bridge's in setting; dropped", topic);
  metrics_.dropped("bridge_unmapped", "bridge:$upstream", "").inc();
}

void EdgeHub::resume_upstream_bridges() {
  for (auto& bridge : bridges_)
    if (bridge->config().upstream()) bridge->resume();
}

}  // namespace outpost::hub
