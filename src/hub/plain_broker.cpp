#include "plain_broker.h"

#include <algorithm>

#include <fmt/format.h>

#include "outpost/mqtt_codec/topic.h"

namespace outpost::hub {

PlainBroker::PlainBroker(const MqttBrokerConfig& limits)
    : max_subscriptions_(limits.max_subscriptions_per_client),
      retained_(limits.max_retained_messages, limits.max_retained_bytes) {}

PlainBroker::Granted PlainBroker::subscribe(const mqtt::ConnectionPtr& c, const std::string& filter, std::uint8_t qos) {
  if (auto valid = mqtt::validate_topic_filter(filter); !valid) return {mqtt::kSubackFailure, valid.error()};
  auto& subscriber = subscribers_[c->id()];
  subscriber.connection = c;
  const bool known = subscriber.filters.count(filter) > 0;
  if (!known && subscriber.filters.size() >= max_subscriptions_) {
    if (subscriber.filters.empty()) subscribers_.erase(c->id());
    return {mqtt::kSubackFailure, fmt::format("the client holds {} subscriptions, the limit", max_subscriptions_)};
  }
  const std::uint8_t granted = std::min<std::uint8_t>(qos, 2);
  subscriber.filters.insert(filter);
  trie_.add(filter, c->id(), granted);
  return {granted, {}};
}

void PlainBroker::unsubscribe(const mqtt::Connection& c, const std::string& filter) {
  const auto it = subscribers_.find(c.id());
  if (it == subscribers_.end() || it->second.filters.erase(filter) == 0) return;
  trie_.remove(filter, c.id());
  if (it->second.filters.empty()) subscribers_.erase(it);
}

void PlainBroker::remove(const mqtt::Connection& c) {
  const auto it = subscribers_.find(c.id());
  if (it == subscribers_.end()) return;
  for (const auto& filter : it->second.filters) trie_.remove(filter, c.id());
  subscribers_.erase(it);
}

std::vector<std::string> PlainBroker::filters_of(const mqtt::Connection& c) const {
  const auto it = subscribers_.find(c.id());
  if (it == subscribers_.end()) return {};
  return {it->second.filters.begin(), it->second.filters.end()};
}

std::vector<PlainBroker::RetainedDelivery> PlainBroker::retained_for(const std::string& filter,
                                                                    std::uint8_t granted) const {
  std::vector<RetainedDelivery> out;
  retained_.for_each_matching(filter, [&](const std::string& topic, const std::string& payload, std::uint8_t qos) {
    out.push_back({topic, payload, std::min(qos, granted)});
  });
  return out;
}

PlainBroker::Published PlainBroker::publish(std::string_view topic, std::string_view payload, std::uint8_t qos,
                                            bool retain) {
  Published out;
  if (retain) out.retain_refused = retained_.set(topic, payload, std::min<std::uint8_t>(qos, 2)) ==
                                   RetainedMessages::Outcome::refused;
  // One delivery per subscriber, at the highest QoS among its matching filters.
  targets_.clear();
  trie_.match(topic, [this](SubscriptionTrie::SubscriberId id, std::uint8_t granted) {
    auto [it, inserted] = targets_.emplace(id, granted);
    if (!inserted) it->second = std::max(it->second, granted);
  });
  // Delivering may close a slow subscriber, and closing may publish (a will): work on a copy.
  const std::vector<std::pair<std::uint64_t, std::uint8_t>> targets(targets_.begin(), targets_.end());
  for (const auto& [id, granted] : targets) {
    const auto it = subscribers_.find(id);
    if (it == subscribers_.end()) continue;
    const auto c = it->second.connection.lock();
    if (!c || !c->open()) continue;
    c->publish(topic, payload, std::min(qos, granted), 0);
    ++out.deliveries;
  }
  return out;
}

}  // namespace outpost::hub
