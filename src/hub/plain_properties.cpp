#include "plain_properties.h"

#include <algorithm>
#include <charconv>
#include <chrono>

namespace outpost::hub {

namespace {
// System properties of a stored plain publish (Outpost's own names; contentType is IoT Hub's).
constexpr std::string_view kPayloadFormat = "mqtt-payload-format";
constexpr std::string_view kResponseTopic = "mqtt-response-topic";
constexpr std::string_view kCorrelationData = "mqtt-correlation-data";
constexpr std::string_view kExpiresAt = "mqtt-expires-at";  // Unix ms
// How many of the first application properties are user properties: the hub may add its own
// after them (mqtt-topic, for a routed message).
constexpr std::string_view kUserCount = "mqtt-user-properties";

std::optional<std::int64_t> to_int(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return v;
}
}  // namespace

std::size_t PlainProperties::bytes() const {
  std::size_t n = sizeof(*this);
  for (const auto* s : {&content_type, &response_topic, &correlation_data})
    if (*s) n += (*s)->size();
  for (const auto& [k, v] : user) n += k.size() + v.size() + sizeof(std::pair<std::string, std::string>);
  return n;
}

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

PlainProperties passed_on(const mqtt::Properties& received, std::int64_t now_ms) {
  PlainProperties p;
  p.payload_format = received.payload_format_indicator;
  p.content_type = received.content_type;
  p.response_topic = received.response_topic;
  p.correlation_data = received.correlation_data;
  p.user = received.user_properties;
  if (received.message_expiry_interval)
    p.expires_at_ms = now_ms + static_cast<std::int64_t>(*received.message_expiry_interval) * 1000;
  return p;
}

mqtt::Properties delivery_properties(const PlainProperties& p, std::int64_t now_ms,
                                     std::vector<std::uint32_t> subscription_ids) {
  mqtt::Properties out;
  out.payload_format_indicator = p.payload_format;
  out.content_type = p.content_type;
  out.response_topic = p.response_topic;
  out.correlation_data = p.correlation_data;
  out.user_properties = p.user;
  out.subscription_identifiers = std::move(subscription_ids);
  if (p.expires_at_ms) {
    // §3.3.2.3.3: the interval sent is what is left; rounded up, so a live message never says 0.
    // (A stored instant is not trusted to be near now: no overflow either way.)
    const auto left_ms = *p.expires_at_ms <= now_ms ? 1 : *p.expires_at_ms - std::max<std::int64_t>(now_ms, 0);
    const auto left_s = left_ms / 1000 + (left_ms % 1000 != 0 ? 1 : 0);
    out.message_expiry_interval = static_cast<std::uint32_t>(std::min<std::int64_t>(left_s, 0xFFFFFFFF));
  }
  return out;
}

void add_to_message(const PlainProperties& p, Message& message) {
  if (p.payload_format) {
    message.system.set(std::string(kPayloadFormat), std::to_string(*p.payload_format));
    // IoT Hub's reading of "this is text": a route's $body condition needs it (with a JSON type).
    if (*p.payload_format == 1 && !message.system.contains(sysprop::kContentEncoding))
      message.system.set(std::string(sysprop::kContentEncoding), "utf-8");
  }
  if (p.content_type) message.system.set(std::string(sysprop::kContentType), *p.content_type);
  if (p.response_topic) message.system.set(std::string(kResponseTopic), *p.response_topic);
  if (p.correlation_data) message.system.set(std::string(kCorrelationData), *p.correlation_data);
  if (p.expires_at_ms) message.system.set(std::string(kExpiresAt), std::to_string(*p.expires_at_ms));
  if (!p.user.empty()) {
    message.system.set(std::string(kUserCount), std::to_string(p.user.size()));
    message.application.reserve(message.application.size() + p.user.size());
    for (const auto& [k, v] : p.user) message.application.append(k, v);
  }
}

PlainProperties from_message(const Message& message) {
  PlainProperties p;
  if (const auto f = to_int(message.system.get(kPayloadFormat)); f && (*f == 0 || *f == 1))
    p.payload_format = static_cast<std::uint8_t>(*f);
  p.content_type = message.system.get(sysprop::kContentType);
  p.response_topic = message.system.get(kResponseTopic);
  p.correlation_data = message.system.get(kCorrelationData);
  p.expires_at_ms = to_int(message.system.get(kExpiresAt));
  if (const auto n = to_int(message.system.get(kUserCount)); n && *n > 0) {
    std::size_t left = static_cast<std::size_t>(*n);
    for (const auto& prop : message.application) {
      if (left-- == 0) break;
      p.user.emplace_back(prop.name, prop.value.value_or(""));
    }
  }
  return p;
}

}  // namespace outpost::hub
