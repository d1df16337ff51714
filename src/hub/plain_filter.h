// One plain MQTT subscription of a session: the QoS granted and its MQTT 5 options
// (§3.8.3.1), and the one number state.db keeps them as.
#pragma once
#include <cstdint>
#include <optional>

namespace outpost::hub {

struct PlainFilter {
  std::uint8_t qos = 0;
  bool no_local = false;              // not sent what this client itself publishes
  bool retain_as_published = false;   // live deliveries keep the publish's RETAIN flag
  std::uint32_t subscription_id = 0;  // sent with each message it matches; 0: none

  static constexpr std::uint8_t kNoLocalBit = 1 << 2;
  static constexpr std::uint8_t kRetainAsPublishedBit = 1 << 3;
  static constexpr std::uint32_t kMaxSubscriptionId = 268'435'455;  // a variable byte integer's range

  // The QoS and the two options a match needs, in one byte (the subscription trie's value).
  std::uint8_t match_bits() const {
    return static_cast<std::uint8_t>(qos | (no_local ? kNoLocalBit : 0) | (retain_as_published ? kRetainAsPublishedBit : 0));
  }
  // As state.db keeps it: bits 0-1 the QoS, 2 No Local, 3 Retain As Published, 8 and up the
  // identifier — so a 3.1.1 subscription's record is its QoS, as it always was.
  std::uint64_t packed() const { return std::uint64_t{match_bits()} | (std::uint64_t{subscription_id} << 8); }
  static std::optional<PlainFilter> unpack(std::uint64_t packed) {
    PlainFilter f;
    f.qos = static_cast<std::uint8_t>(packed & 3);
    f.no_local = (packed & kNoLocalBit) != 0;
    f.retain_as_published = (packed & kRetainAsPublishedBit) != 0;
    const auto id = packed >> 8;
    if (f.qos > 2 || (packed & 0xF0) != 0 || id > kMaxSubscriptionId) return std::nullopt;
    f.subscription_id = static_cast<std::uint32_t>(id);
    return f;
  }
  bool operator==(const PlainFilter&) const = default;
};

}  // namespace outpost::hub
