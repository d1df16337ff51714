// Decoding of MQTT 3.1.1 and 5 packets. Every rejection names the packet and the rule broken,
// because that text ends up in the log line that explains why a client was disconnected.
#include <fmt/format.h>

#include "outpost/mqtt_codec/codec.h"
#include "outpost/mqtt_codec/topic.h"

namespace outpost::mqtt {
namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view data) : data_(data) {}
  bool u8(std::uint8_t& out) {
    if (pos_ + 1 > data_.size()) return false;
    out = static_cast<std::uint8_t>(data_[pos_++]);
    return true;
  }
  bool u16(std::uint16_t& out) {
    if (pos_ + 2 > data_.size()) return false;
    out = static_cast<std::uint16_t>((static_cast<std::uint8_t>(data_[pos_]) << 8) |
                                     static_cast<std::uint8_t>(data_[pos_ + 1]));
    pos_ += 2;
    return true;
  }
  bool bytes(std::string& out) {
    std::uint16_t len = 0;
    if (!u16(len) || pos_ + len > data_.size()) return false;
    out.assign(data_.substr(pos_, len));
    pos_ += len;
    return true;
  }
  std::string_view rest() const { return data_.substr(pos_); }
  bool at_end() const { return pos_ == data_.size(); }
  // An MQTT 5 property block at the cursor.
  Result<Properties> properties(PropertyContext context, const char* packet) {
    auto rest = data_.substr(pos_);
    const auto before = rest.size();
    auto p = decode_properties(rest, context, packet);
    if (p) pos_ += before - rest.size();
    return p;
  }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

Error bad(const char* packet, std::string_view what) {
  return make_error(fmt::format("{}: {}", packet, what));
}

Result<Packet> decode_connect(const Frame& f) {
  if (f.flags() != 0) return bad("CONNECT", "reserved flags are not 0");
  Cursor c(f.body);
  ConnectPacket p;
  std::uint8_t flags = 0;
  if (!c.bytes(p.protocol_name) || !c.u8(p.protocol_level) || !c.u8(flags) ||
      !c.u16(p.keep_alive_secs))
    return bad("CONNECT", "truncated variable header");
  if (flags & 0x01) return bad("CONNECT", "reserved connect flag is set");
  const bool v5 = p.protocol_level == kMqtt5;
  p.clean_session = flags & 0x02;
  const bool will = flags & 0x04;
  const std::uint8_t will_qos = (flags >> 3) & 0x03;
  const bool will_retain = flags & 0x20;
  const bool has_password = flags & 0x40;
  const bool has_username = flags & 0x80;
  if (!will && (will_qos != 0 || will_retain))
    return bad("CONNECT", "will QoS or retain set without a will");
  if (will_qos == 3) return bad("CONNECT", "will QoS 3 is invalid");
  if (has_password && !has_username && !v5) return bad("CONNECT", "password without a user name");
  if (v5) {
    auto props = c.properties(PropertyContext::connect, "CONNECT");
    if (!props) return props.failure();
    p.properties = std::move(*props);
  }
  if (!c.bytes(p.client_id)) return bad("CONNECT", "truncated client identifier");
  if (!is_valid_utf8(p.client_id)) return bad("CONNECT", "client identifier is not valid UTF-8");
  if (will) {
    Will w;
    if (v5) {
      auto props = c.properties(PropertyContext::will, "CONNECT (will)");
      if (!props) return props.failure();
      w.properties = std::move(*props);
    }
    if (!c.bytes(w.topic) || !c.bytes(w.payload)) return bad("CONNECT", "truncated will");
    if (auto s = validate_topic_name(w.topic); !s) return bad("CONNECT", "will topic: " + s.error());
    w.qos = will_qos;
    w.retain = will_retain;
    p.will = std::move(w);
  }
  if (has_username) {
    std::string user;
    if (!c.bytes(user)) return bad("CONNECT", "truncated user name");
    if (!is_valid_utf8(user)) return bad("CONNECT", "user name is not valid UTF-8");
    p.username = std::move(user);
  }
  if (has_password) {
    std::string password;
    if (!c.bytes(password)) return bad("CONNECT", "truncated password");
    p.password = std::move(password);
  }
  if (!c.at_end()) return bad("CONNECT", "unexpected bytes after the payload");
  return Packet{std::move(p)};
}

Result<Packet> decode_connack(const Frame& f, std::uint8_t level) {
  Cursor c(f.body);
  std::uint8_t ack_flags = 0, code = 0;
  if (f.flags() != 0 || !c.u8(ack_flags) || !c.u8(code)) return bad("CONNACK", "malformed");
  ConnackPacket p;
  p.session_present = (ack_flags & 1) != 0;
  if (level >= kMqtt5) {
    p.reason_code = code;
    auto props = c.properties(PropertyContext::connack, "CONNACK");
    if (!props) return props.failure();
    p.properties = std::move(*props);
  } else {
    p.return_code = static_cast<ConnectReturnCode>(code);
  }
  if (!c.at_end()) return bad("CONNACK", "malformed");
  return Packet{std::move(p)};
}

Result<Packet> decode_publish(const Frame& f, std::uint8_t level) {
  PublishPacket p;
  p.dup = f.flags() & 0x08;
  p.qos = (f.flags() >> 1) & 0x03;
  p.retain = f.flags() & 0x01;
  if (p.qos == 3) return bad("PUBLISH", "QoS 3 is invalid");
  if (p.qos == 0 && p.dup) return bad("PUBLISH", "DUP set on a QoS 0 message");
  Cursor c(f.body);
  if (!c.bytes(p.topic)) return bad("PUBLISH", "truncated topic name");
  // MQTT 5: an empty topic name stands for the one a Topic Alias names (checked below).
  if (level < kMqtt5 || !p.topic.empty())
    if (auto s = validate_topic_name(p.topic); !s) return bad("PUBLISH", s.error());
  if (p.qos > 0) {
    if (!c.u16(p.packet_id)) return bad("PUBLISH", "truncated packet identifier");
    if (p.packet_id == 0) return bad("PUBLISH", "packet identifier 0");
  }
  if (level >= kMqtt5) {
    auto props = c.properties(PropertyContext::publish, "PUBLISH");
    if (!props) return props.failure();
    p.properties = std::move(*props);
    if (p.topic.empty() && !p.properties.topic_alias) return bad("PUBLISH", "an empty topic name without a Topic Alias");
  }
  p.payload.assign(c.rest());
  return Packet{std::move(p)};
}

template <typename T>
Result<Packet> decode_id_only(const Frame& f, const char* name, std::uint8_t expected_flags) {
  Cursor c(f.body);
  T p;
  if (f.flags() != expected_flags) return bad(name, "invalid fixed-header flags");
  if (!c.u16(p.packet_id) || !c.at_end()) return bad(name, "must be exactly a packet identifier");
  return Packet{p};
}

// PUBACK, PUBREC, PUBREL, PUBCOMP: MQTT 5 may add a reason code, then properties (§3.4.2).
template <typename T>
Result<Packet> decode_ack(const Frame& f, const char* name, std::uint8_t expected_flags, PropertyContext context,
                          std::uint8_t level) {
  if (level < kMqtt5) return decode_id_only<T>(f, name, expected_flags);
  Cursor c(f.body);
  T p;
  if (f.flags() != expected_flags) return bad(name, "invalid fixed-header flags");
  if (!c.u16(p.packet_id)) return bad(name, "truncated packet identifier");
  if (!c.at_end() && !c.u8(p.reason_code)) return bad(name, "truncated reason code");
  if (!c.at_end()) {
    auto props = c.properties(context, name);
    if (!props) return props.failure();
    p.properties = std::move(*props);
  }
  if (!c.at_end()) return bad(name, "unexpected bytes after the properties");
  return Packet{std::move(p)};
}

Result<Packet> decode_subscribe(const Frame& f, std::uint8_t level) {
  if (f.flags() != 0x02) return bad("SUBSCRIBE", "fixed-header flags must be 0010");
  Cursor c(f.body);
  SubscribePacket p;
  if (!c.u16(p.packet_id)) return bad("SUBSCRIBE", "truncated packet identifier");
  if (p.packet_id == 0) return bad("SUBSCRIBE", "packet identifier 0");
  if (level >= kMqtt5) {
    auto props = c.properties(PropertyContext::subscribe, "SUBSCRIBE");
    if (!props) return props.failure();
    p.properties = std::move(*props);
  }
  while (!c.at_end()) {
    Subscription s;
    std::uint8_t options = 0;
    if (!c.bytes(s.filter) || !c.u8(options)) return bad("SUBSCRIBE", "truncated topic filter");
    if (level >= kMqtt5) {
      // §3.8.3.1: QoS in bits 0-1, No Local 2, Retain As Published 3, Retain Handling 4-5.
      if (options & 0xC0) return bad("SUBSCRIBE", "reserved subscription option bits are set");
      s.no_local = options & 0x04;
      s.retain_as_published = options & 0x08;
      s.retain_handling = (options >> 4) & 0x03;
      if (s.retain_handling == 3) return bad("SUBSCRIBE", "Retain Handling 3 is invalid");
      options &= 0x03;
    }
    s.qos = options;
    if (s.qos > 2) return bad("SUBSCRIBE", fmt::format("requested QoS byte {:#x} is invalid", s.qos));
    if (auto v = validate_topic_filter(s.filter); !v) return bad("SUBSCRIBE", v.error());
    p.subscriptions.push_back(std::move(s));
  }
  if (p.subscriptions.empty()) return bad("SUBSCRIBE", "no topic filters");
  return Packet{std::move(p)};
}

Result<Packet> decode_suback(const Frame& f, std::uint8_t level) {
  Cursor c(f.body);
  SubackPacket p;
  if (f.flags() != 0 || !c.u16(p.packet_id)) return bad("SUBACK", "malformed");
  if (level >= kMqtt5) {
    auto props = c.properties(PropertyContext::suback, "SUBACK");
    if (!props) return props.failure();
    p.properties = std::move(*props);
  }
  for (const char ch : c.rest()) p.return_codes.push_back(static_cast<std::uint8_t>(ch));
  return Packet{std::move(p)};
}

Result<Packet> decode_unsubscribe(const Frame& f, std::uint8_t level) {
  if (f.flags() != 0x02) return bad("UNSUBSCRIBE", "fixed-header flags must be 0010");
  Cursor c(f.body);
  UnsubscribePacket p;
  if (!c.u16(p.packet_id)) return bad("UNSUBSCRIBE", "truncated packet identifier");
  if (p.packet_id == 0) return bad("UNSUBSCRIBE", "packet identifier 0");
  if (level >= kMqtt5) {
    auto props = c.properties(PropertyContext::unsubscribe, "UNSUBSCRIBE");
    if (!props) return props.failure();
    p.properties = std::move(*props);
  }
  while (!c.at_end()) {
    std::string filter;
    if (!c.bytes(filter)) return bad("UNSUBSCRIBE", "truncated topic filter");
    if (auto v = validate_topic_filter(filter); !v) return bad("UNSUBSCRIBE", v.error());
    p.filters.push_back(std::move(filter));
  }
  if (p.filters.empty()) return bad("UNSUBSCRIBE", "no topic filters");
  return Packet{std::move(p)};
}

template <typename T>
Result<Packet> decode_empty(const Frame& f, const char* name) {
  if (f.flags() != 0 || !f.body.empty()) return bad(name, "must have no flags and no body");
  return Packet{T{}};
}

Result<Packet> decode_unsuback(const Frame& f, std::uint8_t level) {
  if (level < kMqtt5) return decode_id_only<UnsubackPacket>(f, "UNSUBACK", 0);
  Cursor c(f.body);
  UnsubackPacket p;
  if (f.flags() != 0 || !c.u16(p.packet_id)) return bad("UNSUBACK", "malformed");
  auto props = c.properties(PropertyContext::unsuback, "UNSUBACK");
  if (!props) return props.failure();
  p.properties = std::move(*props);
  for (const char ch : c.rest()) p.reason_codes.push_back(static_cast<std::uint8_t>(ch));
  return Packet{std::move(p)};
}

// DISCONNECT and AUTH in MQTT 5: an empty body is reason 0; else a reason code, then
// (optionally) properties.
template <typename T>
Result<Packet> decode_reason_only(const Frame& f, const char* name, PropertyContext context) {
  if (f.flags() != 0) return bad(name, "reserved flags are not 0");
  Cursor c(f.body);
  T p;
  if (!c.at_end()) c.u8(p.reason_code);
  if (!c.at_end()) {
    auto props = c.properties(context, name);
    if (!props) return props.failure();
    p.properties = std::move(*props);
  }
  if (!c.at_end()) return bad(name, "unexpected bytes after the properties");
  return Packet{std::move(p)};
}

}  // namespace

const char* packet_type_name(PacketType type) {
  switch (type) {
    case PacketType::connect: return "CONNECT";
    case PacketType::connack: return "CONNACK";
    case PacketType::publish: return "PUBLISH";
    case PacketType::puback: return "PUBACK";
    case PacketType::pubrec: return "PUBREC";
    case PacketType::pubrel: return "PUBREL";
    case PacketType::pubcomp: return "PUBCOMP";
    case PacketType::subscribe: return "SUBSCRIBE";
    case PacketType::suback: return "SUBACK";
    case PacketType::unsubscribe: return "UNSUBSCRIBE";
    case PacketType::unsuback: return "UNSUBACK";
    case PacketType::pingreq: return "PINGREQ";
    case PacketType::pingresp: return "PINGRESP";
    case PacketType::disconnect: return "DISCONNECT";
    case PacketType::auth: return "AUTH";
  }
  return "RESERVED";
}

Result<Packet> decode_packet(const Frame& frame, std::uint8_t level) {
  const bool v5 = level >= kMqtt5;
  switch (frame.type()) {
    case PacketType::connect: return decode_connect(frame);
    case PacketType::connack: return decode_connack(frame, level);
    case PacketType::publish: return decode_publish(frame, level);
    case PacketType::puback: return decode_ack<PubackPacket>(frame, "PUBACK", 0, PropertyContext::puback, level);
    case PacketType::pubrec: return decode_ack<PubrecPacket>(frame, "PUBREC", 0, PropertyContext::pubrec, level);
    case PacketType::pubrel: return decode_ack<PubrelPacket>(frame, "PUBREL", 0x02, PropertyContext::pubrel, level);
    case PacketType::pubcomp: return decode_ack<PubcompPacket>(frame, "PUBCOMP", 0, PropertyContext::pubcomp, level);
    case PacketType::subscribe: return decode_subscribe(frame, level);
    case PacketType::suback: return decode_suback(frame, level);
    case PacketType::unsubscribe: return decode_unsubscribe(frame, level);
    case PacketType::unsuback: return decode_unsuback(frame, level);
    case PacketType::pingreq: return decode_empty<PingreqPacket>(frame, "PINGREQ");
    case PacketType::pingresp: return decode_empty<PingrespPacket>(frame, "PINGRESP");
    case PacketType::disconnect:
      if (!v5) return decode_empty<DisconnectPacket>(frame, "DISCONNECT");
      return decode_reason_only<DisconnectPacket>(frame, "DISCONNECT", PropertyContext::disconnect);
    case PacketType::auth:
      if (!v5) break;  // reserved in 3.1.1
      return decode_reason_only<AuthPacket>(frame, "AUTH", PropertyContext::auth);
  }
  return make_error(fmt::format("reserved packet type {}", frame.first_byte >> 4));
}

}  // namespace outpost::mqtt
