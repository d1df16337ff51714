#include "retained_messages.h"

#include "plain_properties.h"
#include "outpost/mqtt_codec/topic.h"

namespace outpost::hub {

std::size_t RetainedMessages::Retained::bytes(std::string_view topic) const {
  return topic.size() + payload.size() + (properties ? properties->bytes() : 0);
}

RetainedMessages::Outcome RetainedMessages::set(std::string_view topic, std::string_view payload, std::uint8_t qos,
                                                std::shared_ptr<const PlainProperties> properties) {
  auto it = messages_.find(topic);
  if (payload.empty()) {
    if (it != messages_.end()) {
      bytes_ -= it->second.bytes(it->first);
      messages_.erase(it);
    }
    return Outcome::cleared;
  }
  const bool is_new = it == messages_.end();
  const std::size_t old_bytes = is_new ? 0 : it->second.bytes(it->first);
  Retained next{std::string(payload), qos, std::move(properties)};
  const std::size_t new_bytes = next.bytes(topic);
  if ((is_new && messages_.size() >= max_messages_) || bytes_ - old_bytes + new_bytes > max_bytes_)
    return Outcome::refused;
  if (is_new) it = messages_.emplace(std::string(topic), Retained{}).first;
  it->second = std::move(next);
  bytes_ = bytes_ - old_bytes + new_bytes;
  return Outcome::stored;
}

void RetainedMessages::for_each_matching(std::string_view filter, const Visit& visit) const {
  // A linear scan: bounded by max_messages, and it runs once per SUBSCRIBE, not per message.
  for (const auto& [topic, retained] : messages_)
    if (mqtt::topic_matches(filter, topic)) visit(topic, retained.payload, retained.qos, retained.properties);
}

}  // namespace outpost::hub
