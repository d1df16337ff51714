#include "retained_messages.h"

#include "outpost/mqtt_codec/topic.h"

namespace outpost::hub {

RetainedMessages::Outcome RetainedMessages::set(std::string_view topic, std::string_view payload, std::uint8_t qos) {
  auto it = messages_.find(topic);
  if (payload.empty()) {
    if (it != messages_.end()) {
      bytes_ -= it->first.size() + it->second.payload.size();
      messages_.erase(it);
    }
    return Outcome::cleared;
  }
  const std::size_t old_bytes = it == messages_.end() ? 0 : it->first.size() + it->second.payload.size();
  const std::size_t new_bytes = topic.size() + payload.size();
  const bool is_new = it == messages_.end();
  if ((is_new && messages_.size() >= max_messages_) || bytes_ - old_bytes + new_bytes > max_bytes_)
    return Outcome::refused;
  if (is_new) it = messages_.emplace(std::string(topic), Retained{}).first;
  it->second.payload.assign(payload);
  it->second.qos = qos;
  bytes_ = bytes_ - old_bytes + new_bytes;
  return Outcome::stored;
}

void RetainedMessages::for_each_matching(
    std::string_view filter,
    const std::function<void(const std::string&, const std::string&, std::uint8_t)>& visit) const {
  // A linear scan: bounded by max_messages, and it runs once per SUBSCRIBE, not per message.
  for (const auto& [topic, retained] : messages_)
    if (mqtt::topic_matches(filter, topic)) visit(topic, retained.payload, retained.qos);
}

}  // namespace outpost::hub
