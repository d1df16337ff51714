// MQTT 5 properties (OASIS MQTT 5.0 §2.2.2): the typed values a v5 packet may carry after its
// variable header, and the rules for which packet may carry which. Decoding refuses what the
// standard calls a Malformed Packet or Protocol Error — a property not allowed in that
// packet, one given twice that may appear once, a value out of range, text that is not
// UTF-8 — with an error naming the property.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outpost/core/result.h"

namespace outpost::mqtt {

enum class PropertyId : std::uint8_t {
  payload_format_indicator = 0x01,
  message_expiry_interval = 0x02,
  content_type = 0x03,
  response_topic = 0x08,
  correlation_data = 0x09,
  subscription_identifier = 0x0B,
  session_expiry_interval = 0x11,
  assigned_client_identifier = 0x12,
  server_keep_alive = 0x13,
  authentication_method = 0x15,
  authentication_data = 0x16,
  request_problem_information = 0x17,
  will_delay_interval = 0x18,
  request_response_information = 0x19,
  response_information = 0x1A,
  server_reference = 0x1C,
  reason_string = 0x1F,
  receive_maximum = 0x21,
  topic_alias_maximum = 0x22,
  topic_alias = 0x23,
  maximum_qos = 0x24,
  retain_available = 0x25,
  user_property = 0x26,
  maximum_packet_size = 0x27,
  wildcard_subscription_available = 0x28,
  subscription_identifier_available = 0x29,
  shared_subscription_available = 0x2A,
};

const char* property_name(PropertyId id);

// The packets (and the will) that carry properties; each allows its own set.
enum class PropertyContext : std::uint8_t {
  connect, will, connack, publish, puback, pubrec, pubrel, pubcomp,
  subscribe, suback, unsubscribe, unsuback, disconnect, auth,
};

struct Properties {
  std::optional<std::uint8_t> payload_format_indicator;  // 0 bytes, 1 UTF-8
  std::optional<std::uint32_t> message_expiry_interval;  // seconds
  std::optional<std::string> content_type;
  std::optional<std::string> response_topic;
  std::optional<std::string> correlation_data;  // binary
  std::vector<std::uint32_t> subscription_identifiers;
  std::optional<std::uint32_t> session_expiry_interval;  // seconds; 0xFFFFFFFF: never
  std::optional<std::string> assigned_client_identifier;
  std::optional<std::uint16_t> server_keep_alive;
  std::optional<std::string> authentication_method;
  std::optional<std::string> authentication_data;  // binary
  std::optional<std::uint8_t> request_problem_information;
  std::optional<std::uint32_t> will_delay_interval;
  std::optional<std::uint8_t> request_response_information;
  std::optional<std::string> response_information;
  std::optional<std::string> server_reference;
  std::optional<std::string> reason_string;
  std::optional<std::uint16_t> receive_maximum;
  std::optional<std::uint16_t> topic_alias_maximum;
  std::optional<std::uint16_t> topic_alias;
  std::optional<std::uint8_t> maximum_qos;
  std::optional<std::uint8_t> retain_available;
  std::vector<std::pair<std::string, std::string>> user_properties;  // in order; names may repeat
  std::optional<std::uint32_t> maximum_packet_size;
  std::optional<std::uint8_t> wildcard_subscription_available;
  std::optional<std::uint8_t> subscription_identifier_available;
  std::optional<std::uint8_t> shared_subscription_available;

  bool operator==(const Properties&) const = default;
};

// Reads a property block — its length (a variable byte integer), then the properties — from
// the front of `data`, and removes it from `data`. `packet` names the packet in errors.
Result<Properties> decode_properties(std::string_view& data, PropertyContext context, const char* packet);

// Appends the property block (length first). Writes what is set, in PropertyId order, user
// properties last; the caller sets only what `context` allows.
void encode_properties(std::string& out, const Properties& properties);

// Variable byte integers (§1.5.5), also the fixed header's remaining length.
void encode_variable_int(std::string& out, std::uint32_t value);
// Reads one from the front of `data` (at most 4 bytes); nullopt when truncated or over-long.
std::optional<std::uint32_t> decode_variable_int(std::string_view& data);

}  // namespace outpost::mqtt
