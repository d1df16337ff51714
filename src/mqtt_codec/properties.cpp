// MQTT 5 properties: one table says, per property, its wire type, where it may appear and
// whether it may repeat; decoding and encoding both follow it.
#include "outpost/mqtt_codec/properties.h"

#include <array>

#include <fmt/format.h>

#include "outpost/mqtt_codec/topic.h"

namespace outpost::mqtt {
namespace {

enum class Wire : std::uint8_t { byte, two, four, varint, text, binary, pair };

constexpr std::uint16_t bit(PropertyContext c) { return static_cast<std::uint16_t>(1u << static_cast<unsigned>(c)); }

using C = PropertyContext;
constexpr std::uint16_t kAcks = bit(C::puback) | bit(C::pubrec) | bit(C::pubrel) | bit(C::pubcomp);
constexpr std::uint16_t kWithReason = kAcks | bit(C::connack) | bit(C::suback) | bit(C::unsuback) |
                                      bit(C::disconnect) | bit(C::auth);
constexpr std::uint16_t kEverywhere = 0x3FFF;

struct Rule {
  PropertyId id;
  const char* name;
  Wire wire;
  std::uint16_t contexts;
};

// §2.2.2.2, Table 2-4.
constexpr std::array kRules{
    Rule{PropertyId::payload_format_indicator, "Payload Format Indicator", Wire::byte, bit(C::publish) | bit(C::will)},
    Rule{PropertyId::message_expiry_interval, "Message Expiry Interval", Wire::four, bit(C::publish) | bit(C::will)},
    Rule{PropertyId::content_type, "Content Type", Wire::text, bit(C::publish) | bit(C::will)},
    Rule{PropertyId::response_topic, "Response Topic", Wire::text, bit(C::publish) | bit(C::will)},
    Rule{PropertyId::correlation_data, "Correlation Data", Wire::binary, bit(C::publish) | bit(C::will)},
    Rule{PropertyId::subscription_identifier, "Subscription Identifier", Wire::varint, bit(C::publish) | bit(C::subscribe)},
    Rule{PropertyId::session_expiry_interval, "Session Expiry Interval", Wire::four,
         bit(C::connect) | bit(C::connack) | bit(C::disconnect)},
    Rule{PropertyId::assigned_client_identifier, "Assigned Client Identifier", Wire::text, bit(C::connack)},
    Rule{PropertyId::server_keep_alive, "Server Keep Alive", Wire::two, bit(C::connack)},
    Rule{PropertyId::authentication_method, "Authentication Method", Wire::text,
         bit(C::connect) | bit(C::connack) | bit(C::auth)},
    Rule{PropertyId::authentication_data, "Authentication Data", Wire::binary,
         bit(C::connect) | bit(C::connack) | bit(C::auth)},
    Rule{PropertyId::request_problem_information, "Request Problem Information", Wire::byte, bit(C::connect)},
    Rule{PropertyId::will_delay_interval, "Will Delay Interval", Wire::four, bit(C::will)},
    Rule{PropertyId::request_response_information, "Request Response Information", Wire::byte, bit(C::connect)},
    Rule{PropertyId::response_information, "Response Information", Wire::text, bit(C::connack)},
    Rule{PropertyId::server_reference, "Server Reference", Wire::text, bit(C::connack) | bit(C::disconnect)},
    Rule{PropertyId::reason_string, "Reason String", Wire::text, kWithReason},
    Rule{PropertyId::receive_maximum, "Receive Maximum", Wire::two, bit(C::connect) | bit(C::connack)},
    Rule{PropertyId::topic_alias_maximum, "Topic Alias Maximum", Wire::two, bit(C::connect) | bit(C::connack)},
    Rule{PropertyId::topic_alias, "Topic Alias", Wire::two, bit(C::publish)},
    Rule{PropertyId::maximum_qos, "Maximum QoS", Wire::byte, bit(C::connack)},
    Rule{PropertyId::retain_available, "Retain Available", Wire::byte, bit(C::connack)},
    Rule{PropertyId::user_property, "User Property", Wire::pair, kEverywhere},
    Rule{PropertyId::maximum_packet_size, "Maximum Packet Size", Wire::four, bit(C::connect) | bit(C::connack)},
    Rule{PropertyId::wildcard_subscription_available, "Wildcard Subscription Available", Wire::byte, bit(C::connack)},
    Rule{PropertyId::subscription_identifier_available, "Subscription Identifier Available", Wire::byte,
         bit(C::connack)},
    Rule{PropertyId::shared_subscription_available, "Shared Subscription Available", Wire::byte, bit(C::connack)},
};

const Rule* rule_of(std::uint8_t id) {
  for (const auto& r : kRules)
    if (static_cast<std::uint8_t>(r.id) == id) return &r;
  return nullptr;
}

bool take_bytes(std::string_view& data, std::size_t n, std::string_view& out) {
  if (data.size() < n) return false;
  out = data.substr(0, n);
  data.remove_prefix(n);
  return true;
}

std::optional<std::uint32_t> take_uint(std::string_view& data, std::size_t n) {
  std::string_view raw;
  if (!take_bytes(data, n, raw)) return std::nullopt;
  std::uint32_t v = 0;
  for (const char c : raw) v = (v << 8) | static_cast<std::uint8_t>(c);
  return v;
}

std::optional<std::string> take_string(std::string_view& data) {
  const auto length = take_uint(data, 2);
  std::string_view raw;
  if (!length || !take_bytes(data, *length, raw)) return std::nullopt;
  return std::string(raw);
}

void put_uint(std::string& out, std::uint32_t v, std::size_t n) {
  for (std::size_t i = n; i-- > 0;) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void put_string(std::string& out, std::string_view s) {
  put_uint(out, static_cast<std::uint32_t>(s.size()), 2);
  out.append(s);
}

// The single-valued slots, by id, for the shared decode/encode code below.
template <typename T>
struct Slot {
  PropertyId id;
  std::optional<T> Properties::*member;
};

constexpr std::array kByteSlots{
    Slot<std::uint8_t>{PropertyId::payload_format_indicator, &Properties::payload_format_indicator},
    Slot<std::uint8_t>{PropertyId::request_problem_information, &Properties::request_problem_information},
    Slot<std::uint8_t>{PropertyId::request_response_information, &Properties::request_response_information},
    Slot<std::uint8_t>{PropertyId::maximum_qos, &Properties::maximum_qos},
    Slot<std::uint8_t>{PropertyId::retain_available, &Properties::retain_available},
    Slot<std::uint8_t>{PropertyId::wildcard_subscription_available, &Properties::wildcard_subscription_available},
    Slot<std::uint8_t>{PropertyId::subscription_identifier_available, &Properties::subscription_identifier_available},
    Slot<std::uint8_t>{PropertyId::shared_subscription_available, &Properties::shared_subscription_available},
};
constexpr std::array kTwoSlots{
    Slot<std::uint16_t>{PropertyId::server_keep_alive, &Properties::server_keep_alive},
    Slot<std::uint16_t>{PropertyId::receive_maximum, &Properties::receive_maximum},
    Slot<std::uint16_t>{PropertyId::topic_alias_maximum, &Properties::topic_alias_maximum},
    Slot<std::uint16_t>{PropertyId::topic_alias, &Properties::topic_alias},
};
constexpr std::array kFourSlots{
    Slot<std::uint32_t>{PropertyId::message_expiry_interval, &Properties::message_expiry_interval},
    Slot<std::uint32_t>{PropertyId::session_expiry_interval, &Properties::session_expiry_interval},
    Slot<std::uint32_t>{PropertyId::will_delay_interval, &Properties::will_delay_interval},
    Slot<std::uint32_t>{PropertyId::maximum_packet_size, &Properties::maximum_packet_size},
};
constexpr std::array kTextSlots{
    Slot<std::string>{PropertyId::content_type, &Properties::content_type},
    Slot<std::string>{PropertyId::response_topic, &Properties::response_topic},
    Slot<std::string>{PropertyId::correlation_data, &Properties::correlation_data},
    Slot<std::string>{PropertyId::assigned_client_identifier, &Properties::assigned_client_identifier},
    Slot<std::string>{PropertyId::authentication_method, &Properties::authentication_method},
    Slot<std::string>{PropertyId::authentication_data, &Properties::authentication_data},
    Slot<std::string>{PropertyId::response_information, &Properties::response_information},
    Slot<std::string>{PropertyId::server_reference, &Properties::server_reference},
    Slot<std::string>{PropertyId::reason_string, &Properties::reason_string},
};

template <typename T, std::size_t N>
std::optional<T>* find_slot(const std::array<Slot<T>, N>& slots, Properties& p, PropertyId id) {
  for (const auto& s : slots)
    if (s.id == id) return &(p.*s.member);
  return nullptr;
}

template <typename T, std::size_t N>
const std::optional<T>* find_slot(const std::array<Slot<T>, N>& slots, const Properties& p, PropertyId id) {
  for (const auto& s : slots)
    if (s.id == id) return &(p.*s.member);
  return nullptr;
}

// Values the standard restricts (§3): a byte that is a flag, a non-zero maximum, ...
std::optional<std::string> check_value(PropertyId id, std::uint32_t v) {
  switch (id) {
    case PropertyId::payload_format_indicator:
    case PropertyId::request_problem_information:
    case PropertyId::request_response_information:
    case PropertyId::maximum_qos:
    case PropertyId::retain_available:
    case PropertyId::wildcard_subscription_available:
    case PropertyId::subscription_identifier_available:
    case PropertyId::shared_subscription_available:
      if (v > 1) return "must be 0 or 1";
      break;
    case PropertyId::receive_maximum:
    case PropertyId::maximum_packet_size:
    case PropertyId::topic_alias:
    case PropertyId::subscription_identifier:
      if (v == 0) return "must not be 0";
      break;
    default:
      break;
  }
  return std::nullopt;
}

}  // namespace

const char* property_name(PropertyId id) {
  const auto* r = rule_of(static_cast<std::uint8_t>(id));
  return r ? r->name : "unknown property";
}

void encode_variable_int(std::string& out, std::uint32_t value) {
  do {
    std::uint8_t digit = value % 128;
    value /= 128;
    if (value > 0) digit |= 0x80;
    out += static_cast<char>(digit);
  } while (value > 0);
}

std::optional<std::uint32_t> decode_variable_int(std::string_view& data) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i >= data.size()) return std::nullopt;
    const auto digit = static_cast<std::uint8_t>(data[i]);
    value |= static_cast<std::uint32_t>(digit & 0x7f) << (7 * i);
    if ((digit & 0x80) == 0) {
      // §1.5.5: the minimum number of bytes; a trailing 0x80 0x00 is over-long.
      if (i > 0 && digit == 0) return std::nullopt;
      data.remove_prefix(i + 1);
      return value;
    }
  }
  return std::nullopt;
}

Result<Properties> decode_properties(std::string_view& data, PropertyContext context, const char* packet) {
  const auto bad = [packet](std::string_view what) { return make_error(fmt::format("{}: properties: {}", packet, what)); };
  const auto length = decode_variable_int(data);
  if (!length) return bad("malformed property length");
  std::string_view block;
  if (!take_bytes(data, *length, block)) return bad("the property length runs past the packet");
  Properties p;
  std::uint64_t seen = 0;  // bit per property id (all ids are below 64)
  while (!block.empty()) {
    const auto raw_id = static_cast<std::uint8_t>(block.front());
    block.remove_prefix(1);
    const auto* rule = rule_of(raw_id);
    if (rule == nullptr) return bad(fmt::format("unknown property {:#04x}", raw_id));
    if ((rule->contexts & bit(context)) == 0) return bad(fmt::format("{} is not allowed here", rule->name));
    const bool repeats = rule->id == PropertyId::user_property ||
                         (rule->id == PropertyId::subscription_identifier && context == PropertyContext::publish);
    if (!repeats && (seen & (std::uint64_t{1} << raw_id)) != 0) return bad(fmt::format("{} given twice", rule->name));
    seen |= std::uint64_t{1} << raw_id;
    const auto truncated = [&] { return bad(fmt::format("{} is truncated", rule->name)); };
    switch (rule->wire) {
      case Wire::byte:
      case Wire::two:
      case Wire::four: {
        const std::size_t n = rule->wire == Wire::byte ? 1 : rule->wire == Wire::two ? 2 : 4;
        const auto v = take_uint(block, n);
        if (!v) return truncated();
        if (auto wrong = check_value(rule->id, *v)) return bad(fmt::format("{} {}", rule->name, *wrong));
        if (auto* slot = find_slot(kByteSlots, p, rule->id)) *slot = static_cast<std::uint8_t>(*v);
        if (auto* slot = find_slot(kTwoSlots, p, rule->id)) *slot = static_cast<std::uint16_t>(*v);
        if (auto* slot = find_slot(kFourSlots, p, rule->id)) *slot = *v;
        break;
      }
      case Wire::varint: {
        const auto v = decode_variable_int(block);
        if (!v) return truncated();
        if (auto wrong = check_value(rule->id, *v)) return bad(fmt::format("{} {}", rule->name, *wrong));
        p.subscription_identifiers.push_back(*v);
        break;
      }
      case Wire::text:
      case Wire::binary: {
        auto v = take_string(block);
        if (!v) return truncated();
        if (rule->wire == Wire::text && !is_valid_utf8(*v)) return bad(fmt::format("{} is not valid UTF-8", rule->name));
        if (rule->id == PropertyId::response_topic)
          if (auto ok = validate_topic_name(*v); !ok) return bad("Response Topic: " + ok.error());
        *find_slot(kTextSlots, p, rule->id) = std::move(*v);
        break;
      }
      case Wire::pair: {
        auto name = take_string(block);
        auto value = name ? take_string(block) : std::nullopt;
        if (!value) return truncated();
        if (!is_valid_utf8(*name) || !is_valid_utf8(*value)) return bad("User Property is not valid UTF-8");
        p.user_properties.emplace_back(std::move(*name), std::move(*value));
        break;
      }
    }
  }
  return p;
}

void encode_properties(std::string& out, const Properties& p) {
  std::string block;
  const auto id = [&block](PropertyId i) { block += static_cast<char>(i); };
  // In id order, as the table lists them; each kind of slot the same way.
  for (const auto& rule : kRules) {
    if (const auto* v = find_slot(kByteSlots, p, rule.id); v && *v) {
      id(rule.id);
      put_uint(block, **v, 1);
    } else if (const auto* v2 = find_slot(kTwoSlots, p, rule.id); v2 && *v2) {
      id(rule.id);
      put_uint(block, **v2, 2);
    } else if (const auto* v4 = find_slot(kFourSlots, p, rule.id); v4 && *v4) {
      id(rule.id);
      put_uint(block, **v4, 4);
    } else if (const auto* t = find_slot(kTextSlots, p, rule.id); t && *t) {
      id(rule.id);
      put_string(block, **t);
    } else if (rule.id == PropertyId::subscription_identifier) {
      for (const auto sid : p.subscription_identifiers) {
        id(rule.id);
        encode_variable_int(block, sid);
      }
    }
  }
  for (const auto& [name, value] : p.user_properties) {
    id(PropertyId::user_property);
    put_string(block, name);
    put_string(block, value);
  }
  encode_variable_int(out, static_cast<std::uint32_t>(block.size()));
  out += block;
}

}  // namespace outpost::mqtt
