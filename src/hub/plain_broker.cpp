#include "plain_broker.h"

#include <algorithm>

#include <fmt/format.h>

#include "plain_session_delivery.h"
#include "plain_topic.h"
#include "outpost/mqtt_codec/topic.h"

namespace outpost::hub {

namespace {
// Shared groups are subscribers in the trie too, with ids sessions never have.
constexpr std::uint64_t kSharedGroupBit = std::uint64_t{1} << 63;
constexpr std::uint8_t kNoLocalBit = PlainFilter::kNoLocalBit;
constexpr std::uint8_t kRetainAsPublishedBit = PlainFilter::kRetainAsPublishedBit;

std::uint8_t trie_value(const PlainFilter& f) { return f.match_bits(); }

}  // namespace

std::optional<std::uint8_t> PlainSession::qos_for(std::string_view topic, std::uint8_t qos) const {
  std::optional<std::uint8_t> best;
  for (const auto& [filter, options] : filters)
    if (mqtt::topic_matches(subscribed_filter(filter), topic)) best = std::max(best.value_or(0), options.qos);
  if (!best) return std::nullopt;
  return std::min(*best, qos);
}

std::vector<std::uint32_t> PlainSession::subscription_ids_for(std::string_view topic, bool own_publish) const {
  std::vector<std::uint32_t> ids;
  if (with_ids == 0) return ids;
  for (const auto& [filter, options] : filters)
    if (options.subscription_id != 0 && !(own_publish && options.no_local) &&
        mqtt::topic_matches(subscribed_filter(filter), topic))
      ids.push_back(options.subscription_id);
  return ids;
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
  for (const auto& [filter, options] : s.filters) {
    if (mqtt::is_shared_filter(filter)) leave_shared(s, filter);
    else trie_.remove(filter, s.id);
  }
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

PlainBroker::Granted PlainBroker::subscribe(PlainSession& session, const std::string& filter, PlainFilter options,
                                            bool* is_new) {
  constexpr auto kFailure = mqtt::kSubackFailure;
  if (auto valid = mqtt::validate_topic_filter(filter); !valid)
    return {kFailure, valid.error(), mqtt::refusal::topic_filter_invalid};
  const bool shared = mqtt::is_shared_filter(filter);
  std::string group_key;
  if (shared) {
    const auto parts = mqtt::parse_shared_filter(filter);
    if (!parts) return {kFailure, parts.error(), mqtt::refusal::topic_filter_invalid};
    if (options.no_local) return {kFailure, "No Local on a shared subscription (§3.8.3.1)"};
    group_key = filter.substr(std::string_view("$share/").size());
  }
  const auto existing = session.filters.find(filter);
  const bool known = existing != session.filters.end();
  if (is_new) *is_new = !known;
  if (!known && session.filters.size() >= max_subscriptions_)
    return {kFailure, fmt::format("the client holds {} subscriptions, the limit", max_subscriptions_),
            mqtt::refusal::quota_exceeded};
  options.qos = std::min<std::uint8_t>(options.qos, 2);
  if (known && existing->second.subscription_id != 0) --session.with_ids;
  if (options.subscription_id != 0) ++session.with_ids;
  session.filters[filter] = options;
  if (!shared) {
    trie_.add(filter, session.id, trie_value(options));
    return {options.qos, {}};
  }
  auto [it, created] = shared_.try_emplace(group_key);
  auto& group = it->second;
  if (created) {
    group.id = kSharedGroupBit | next_group_id_++;
    group.filter = std::string(mqtt::parse_shared_filter(filter)->filter);
    group.subscription = filter;
    shared_by_id_[group.id] = &group;
    trie_.add(group.filter, group.id, 0);
  }
  if (std::find(group.members.begin(), group.members.end(), session.id) == group.members.end())
    group.members.push_back(session.id);
  return {options.qos, {}};
}

void PlainBroker::leave_shared(PlainSession& session, const std::string& shared) {
  const auto it = shared_.find(std::string_view(shared).substr(std::string_view("$share/").size()));
  if (it == shared_.end()) return;
  auto& members = it->second.members;
  members.erase(std::remove(members.begin(), members.end(), session.id), members.end());
  if (!members.empty()) return;
  trie_.remove(it->second.filter, it->second.id);
  shared_by_id_.erase(it->second.id);
  shared_.erase(it);
}

bool PlainBroker::unsubscribe(PlainSession& session, const std::string& filter) {
  const auto it = session.filters.find(filter);
  if (it == session.filters.end()) return false;
  if (it->second.subscription_id != 0) --session.with_ids;
  session.filters.erase(it);
  if (mqtt::is_shared_filter(filter)) leave_shared(session, filter);
  else trie_.remove(filter, session.id);
  return true;
}

std::vector<PlainBroker::RetainedDelivery> PlainBroker::retained_for(const std::string& filter,
                                                                    std::uint8_t granted) const {
  std::vector<RetainedDelivery> out;
  // A shared subscription gets no retained messages (§4.8.2).
  if (mqtt::is_shared_filter(filter)) return out;
  retained_.for_each_matching(filter, [&](const std::string& topic, const std::string& payload, std::uint8_t qos,
                                          const std::shared_ptr<const PlainProperties>& properties) {
    out.push_back({topic, payload, std::min(qos, granted), properties});
  });
  return out;
}

bool PlainBroker::retain(std::string_view topic, std::string_view payload, std::uint8_t qos,
                         std::shared_ptr<const PlainProperties> properties) {
  return retained_.set(topic, payload, std::min<std::uint8_t>(qos, 2), std::move(properties)) !=
         RetainedMessages::Outcome::refused;
}

std::uint64_t PlainBroker::pick_member(SharedGroup& group) {
  // The next connected member in turn; else the next persistent one (its queue keeps the
  // message for it); else nobody is there to take it.
  const auto n = group.members.size();
  std::optional<std::size_t> persistent;
  for (std::size_t i = 0; i < n; ++i) {
    const auto at = (group.next + i) % n;
    const auto* s = session(group.members[at]);
    if (!s) continue;
    if (s->online()) {
      group.next = (at + 1) % n;
      return s->id;
    }
    if (s->persistent && !persistent) persistent = at;
  }
  if (!persistent) return group.members.front();
  group.next = (*persistent + 1) % n;
  return group.members[*persistent];
}

std::vector<PlainBroker::Target> PlainBroker::match(std::string_view topic, std::uint8_t qos, bool retain,
                                                    std::uint64_t publisher) {
  // One target per session, at the highest QoS among its matching filters.
  best_.clear();
  const auto found = [&](std::uint64_t id, std::uint8_t value) {
    if ((value & kNoLocalBit) != 0 && id == publisher) return;
    const std::uint8_t granted = value & 3;
    const bool keep_retain = retain && (value & kRetainAsPublishedBit) != 0;
    auto [it, inserted] = best_.emplace(id, Best{granted, keep_retain});
    if (inserted) return;
    it->second.qos = std::max(it->second.qos, granted);
    it->second.retain = it->second.retain || keep_retain;
  };
  trie_.match(topic, [&](SubscriptionTrie::SubscriberId id, std::uint8_t value) {
    if ((id & kSharedGroupBit) == 0) return found(id, value);
    const auto group = shared_by_id_.find(id);
    if (group == shared_by_id_.end() || group->second->members.empty()) return;
    auto* member = session(pick_member(*group->second));
    if (!member) return;
    if (const auto it = member->filters.find(group->second->subscription); it != member->filters.end())
      found(member->id, trie_value(it->second));
  });
  std::vector<Target> out;
  out.reserve(best_.size());
  for (const auto& [id, best] : best_) out.push_back({id, std::min(qos, best.qos), best.retain});
  return out;
}

}  // namespace outpost::hub
