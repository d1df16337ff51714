#include "plain_broker.h"

#include <algorithm>

#include <fmt/format.h>

#include "plain_session_delivery.h"
#include "outpost/mqtt_codec/topic.h"

namespace outpost::hub {

std::optional<std::uint8_t> PlainSession::qos_for(std::string_view topic, std::uint8_t qos) const {
  std::optional<std::uint8_t> best;
  for (const auto& [filter, granted] : filters)
    if (mqtt::topic_matches(filter, topic)) best = std::max(best.value_or(0), granted);
  if (!best) return std::nullopt;
  return std::min(*best, qos);
}

PlainBroker::PlainBroker(const MqttBrokerConfig& limits)
    : max_subscriptions_(limits.max_subscriptions_per_client),
      retained_(limits.max_retained_messages, limits.max_retained_bytes) {}

PlainBroker::~PlainBroker() = default;

PlainSession& PlainBroker::open(const std::string& client_id) {
  auto& slot = by_client_[client_id];
  if (!slot) {
    slot = std::make_unique<PlainSession>();
    slot->id = next_id_++;
    slot->client_id = client_id;
    by_id_[slot->id] = slot.get();
  }
  return *slot;
}

PlainSession* PlainBroker::find(const std::string& client_id) {
  const auto it = by_client_.find(client_id);
  return it == by_client_.end() ? nullptr : it->second.get();
}

PlainSession* PlainBroker::session(std::uint64_t id) {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

void PlainBroker::close(const std::string& client_id) {
  const auto it = by_client_.find(client_id);
  if (it == by_client_.end()) return;
  auto& s = *it->second;
  for (const auto& [filter, qos] : s.filters) trie_.remove(filter, s.id);
  if (s.persistent) --persistent_;
  by_id_.erase(s.id);
  by_client_.erase(it);
}

void PlainBroker::set_persistent(PlainSession& session, bool persistent) {
  if (session.persistent == persistent) return;
  session.persistent = persistent;
  if (persistent) ++persistent_;
  else --persistent_;
}

std::vector<PlainSession*> PlainBroker::sessions() {
  std::vector<PlainSession*> out;
  out.reserve(by_client_.size());
  for (auto& [id, s] : by_client_) out.push_back(s.get());
  return out;
}

PlainBroker::Granted PlainBroker::subscribe(PlainSession& session, const std::string& filter, std::uint8_t qos) {
  if (auto valid = mqtt::validate_topic_filter(filter); !valid) return {mqtt::kSubackFailure, valid.error()};
  const bool known = session.filters.count(filter) > 0;
  if (!known && session.filters.size() >= max_subscriptions_)
    return {mqtt::kSubackFailure, fmt::format("the client holds {} subscriptions, the limit", max_subscriptions_)};
  const std::uint8_t granted = std::min<std::uint8_t>(qos, 2);
  session.filters[filter] = granted;
  trie_.add(filter, session.id, granted);
  return {granted, {}};
}

bool PlainBroker::unsubscribe(PlainSession& session, const std::string& filter) {
  if (session.filters.erase(filter) == 0) return false;
  trie_.remove(filter, session.id);
  return true;
}

std::vector<PlainBroker::RetainedDelivery> PlainBroker::retained_for(const std::string& filter,
                                                                    std::uint8_t granted) const {
  std::vector<RetainedDelivery> out;
  retained_.for_each_matching(filter, [&](const std::string& topic, const std::string& payload, std::uint8_t qos) {
    out.push_back({topic, payload, std::min(qos, granted)});
  });
  return out;
}

bool PlainBroker::retain(std::string_view topic, std::string_view payload, std::uint8_t qos) {
  return retained_.set(topic, payload, std::min<std::uint8_t>(qos, 2)) != RetainedMessages::Outcome::refused;
}

std::vector<PlainBroker::Target> PlainBroker::match(std::string_view topic, std::uint8_t qos) {
  // One target per session, at the highest QoS among its matching filters.
  best_.clear();
  trie_.match(topic, [this](SubscriptionTrie::SubscriberId id, std::uint8_t granted) {
    auto [it, inserted] = best_.emplace(id, granted);
    if (!inserted) it->second = std::max(it->second, granted);
  });
  std::vector<Target> out;
  out.reserve(best_.size());
  for (const auto& [id, granted] : best_) out.push_back({id, std::min(qos, granted)});
  return out;
}

}  // namespace outpost::hub
