// The MQTT 5 properties a plain publish carries to its subscribers (§3.3.2.3): the ones a
// server passes on unchanged, and the Message Expiry Interval as the instant it runs out (each
// delivery gets what is left of it). Held with a retained message in memory, and in a stored
// message: user properties are its application properties — the same pairs a route, a module
// or the cloud sees as IoT Hub application properties — and the rest system properties of
// Outpost's own (the content type is IoT Hub's contentType).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "outpost/core/message.h"
#include "outpost/mqtt_codec/properties.h"

namespace outpost::hub {

struct PlainProperties {
  std::optional<std::uint8_t> payload_format;  // 1: UTF-8 text
  std::optional<std::string> content_type;
  std::optional<std::string> response_topic;    // request/response (§4.10)
  std::optional<std::string> correlation_data;  // binary
  std::vector<std::pair<std::string, std::string>> user;  // in order; names may repeat
  std::optional<std::int64_t> expires_at_ms;              // Unix time, ms

  bool empty() const {
    return !payload_format && !content_type && !response_topic && !correlation_data && user.empty() && !expires_at_ms;
  }
  bool expired(std::int64_t now_ms) const { return expires_at_ms && *expires_at_ms <= now_ms; }
  std::size_t bytes() const;  // roughly what holding them costs
  bool operator==(const PlainProperties&) const = default;
};

std::int64_t unix_now_ms();

// What a received PUBLISH (or will) passes on; its expiry counted from `now_ms`.
PlainProperties passed_on(const mqtt::Properties& received, std::int64_t now_ms);
// The properties of one delivery at `now_ms` (the expiry as the seconds left, at least 1),
// with the subscription identifiers of the receiver's matching subscriptions.
mqtt::Properties delivery_properties(const PlainProperties& p, std::int64_t now_ms,
                                     std::vector<std::uint32_t> subscription_ids = {});

// Into a stored message (system and application properties), and back.
void add_to_message(const PlainProperties& p, Message& message);
PlainProperties from_message(const Message& message);

}  // namespace outpost::hub
