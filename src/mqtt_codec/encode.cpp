// Encoding of MQTT 3.1.1 and 5 packets. The 3.1.1 layouts are written straight into `out`
// (the publish path is hot); MQTT 5 bodies, whose length depends on their properties, are
// built first and framed after.
#include "outpost/mqtt_codec/codec.h"

namespace outpost::mqtt {
namespace {

void put_u8(std::string& out, std::uint8_t v) { out += static_cast<char>(v); }
void put_u16(std::string& out, std::uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v & 0xff);
}
void put_bytes(std::string& out, std::string_view s) {
  put_u16(out, static_cast<std::uint16_t>(s.size()));
  out.append(s);
}
void put_header(std::string& out, std::uint8_t first_byte, std::size_t remaining) {
  put_u8(out, first_byte);
  encode_variable_int(out, static_cast<std::uint32_t>(remaining));
}
std::uint8_t first(PacketType t, std::uint8_t flags = 0) {
  return static_cast<std::uint8_t>(static_cast<std::uint8_t>(t) << 4 | flags);
}
void put_framed(std::string& out, std::uint8_t first_byte, const std::string& body) {
  put_header(out, first_byte, body.size());
  out += body;
}

// PUBACK, PUBREC, PUBREL, PUBCOMP: the id; in MQTT 5 a reason code and properties, both left
// out when they say nothing (success, none) as §3.4.2.1 allows.
void put_ack(std::string& out, std::uint8_t first_byte, std::uint16_t packet_id, std::uint8_t reason,
             const Properties& properties, std::uint8_t level) {
  const bool no_properties = properties == Properties{};
  if (level < kMqtt5 || (reason == 0 && no_properties)) {
    put_header(out, first_byte, 2);
    put_u16(out, packet_id);
    return;
  }
  std::string body;
  put_u16(body, packet_id);
  put_u8(body, reason);
  if (!no_properties) encode_properties(body, properties);
  put_framed(out, first_byte, body);
}

}  // namespace

std::uint8_t v5_reason_code(ConnectReturnCode code) {
  switch (code) {
    case ConnectReturnCode::accepted: return 0x00;
    case ConnectReturnCode::unacceptable_protocol_version: return 0x84;
    case ConnectReturnCode::identifier_rejected: return 0x85;
    case ConnectReturnCode::server_unavailable: return 0x88;
    case ConnectReturnCode::bad_username_or_password: return 0x86;
    case ConnectReturnCode::not_authorized: return 0x87;
  }
  return 0x80;
}

void encode(std::string& out, const ConnectPacket& p) {
  const bool v5 = p.v5();
  std::string body;
  put_bytes(body, p.protocol_name);
  put_u8(body, p.protocol_level);
  std::uint8_t flags = p.clean_session ? 0x02 : 0;
  if (p.will) flags |= 0x04 | static_cast<std::uint8_t>(p.will->qos << 3) | (p.will->retain ? 0x20 : 0);
  if (p.username) flags |= 0x80;
  if (p.password) flags |= 0x40;
  put_u8(body, flags);
  put_u16(body, p.keep_alive_secs);
  if (v5) encode_properties(body, p.properties);
  put_bytes(body, p.client_id);
  if (p.will) {
    if (v5) encode_properties(body, p.will->properties);
    put_bytes(body, p.will->topic);
    put_bytes(body, p.will->payload);
  }
  if (p.username) put_bytes(body, *p.username);
  if (p.password) put_bytes(body, *p.password);
  put_framed(out, first(PacketType::connect), body);
}

void encode(std::string& out, const ConnackPacket& p, std::uint8_t level) {
  if (level < kMqtt5) {
    put_header(out, first(PacketType::connack), 2);
    put_u8(out, p.session_present ? 1 : 0);
    put_u8(out, static_cast<std::uint8_t>(p.return_code));
    return;
  }
  std::string body;
  put_u8(body, p.session_present ? 1 : 0);
  put_u8(body, p.reason_code);
  encode_properties(body, p.properties);
  put_framed(out, first(PacketType::connack), body);
}

void encode_publish(std::string& out, std::string_view topic, std::string_view payload, std::uint8_t qos,
                    std::uint16_t packet_id, bool retain, bool dup, const Properties* v5_properties) {
  const std::uint8_t flags = static_cast<std::uint8_t>((dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0));
  if (v5_properties != nullptr) {
    std::string head;
    put_bytes(head, topic);
    if (qos > 0) put_u16(head, packet_id);
    encode_properties(head, *v5_properties);
    put_header(out, first(PacketType::publish, flags), head.size() + payload.size());
    out += head;
    out.append(payload);
    return;
  }
  const std::size_t len = 2 + topic.size() + (qos > 0 ? 2 : 0) + payload.size();
  out.reserve(out.size() + len + 5);
  put_header(out, first(PacketType::publish, flags), len);
  put_bytes(out, topic);
  if (qos > 0) put_u16(out, packet_id);
  out.append(payload);
}

void encode(std::string& out, const PublishPacket& p, std::uint8_t level) {
  encode_publish(out, p.topic, p.payload, p.qos, p.packet_id, p.retain, p.dup,
                 level >= kMqtt5 ? &p.properties : nullptr);
}

void encode(std::string& out, const PubackPacket& p, std::uint8_t level) {
  put_ack(out, first(PacketType::puback), p.packet_id, p.reason_code, p.properties, level);
}
void encode(std::string& out, const PubrecPacket& p, std::uint8_t level) {
  put_ack(out, first(PacketType::pubrec), p.packet_id, p.reason_code, p.properties, level);
}
void encode(std::string& out, const PubrelPacket& p, std::uint8_t level) {
  put_ack(out, first(PacketType::pubrel, 0x02), p.packet_id, p.reason_code, p.properties, level);
}
void encode(std::string& out, const PubcompPacket& p, std::uint8_t level) {
  put_ack(out, first(PacketType::pubcomp), p.packet_id, p.reason_code, p.properties, level);
}

void encode(std::string& out, const SubscribePacket& p, std::uint8_t level) {
  std::string body;
  put_u16(body, p.packet_id);
  if (level >= kMqtt5) encode_properties(body, p.properties);
  for (const auto& s : p.subscriptions) {
    put_bytes(body, s.filter);
    std::uint8_t options = s.qos;
    if (level >= kMqtt5)
      options |= static_cast<std::uint8_t>((s.no_local ? 0x04 : 0) | (s.retain_as_published ? 0x08 : 0) |
                                           (s.retain_handling << 4));
    put_u8(body, options);
  }
  put_framed(out, first(PacketType::subscribe, 0x02), body);
}

void encode(std::string& out, const SubackPacket& p, std::uint8_t level) {
  std::string body;
  put_u16(body, p.packet_id);
  if (level >= kMqtt5) encode_properties(body, p.properties);
  for (const auto code : p.return_codes) put_u8(body, code);
  put_framed(out, first(PacketType::suback), body);
}

void encode(std::string& out, const UnsubscribePacket& p, std::uint8_t level) {
  std::string body;
  put_u16(body, p.packet_id);
  if (level >= kMqtt5) encode_properties(body, p.properties);
  for (const auto& f : p.filters) put_bytes(body, f);
  put_framed(out, first(PacketType::unsubscribe, 0x02), body);
}

void encode(std::string& out, const UnsubackPacket& p, std::uint8_t level) {
  std::string body;
  put_u16(body, p.packet_id);
  if (level >= kMqtt5) {
    encode_properties(body, p.properties);
    for (const auto code : p.reason_codes) put_u8(body, code);
  }
  put_framed(out, first(PacketType::unsuback), body);
}

void encode(std::string& out, const PingreqPacket&, std::uint8_t) { put_header(out, first(PacketType::pingreq), 0); }
void encode(std::string& out, const PingrespPacket&, std::uint8_t) { put_header(out, first(PacketType::pingresp), 0); }

void encode(std::string& out, const DisconnectPacket& p, std::uint8_t level) {
  if (level < kMqtt5 || (p.reason_code == 0 && p.properties == Properties{})) {
    put_header(out, first(PacketType::disconnect), 0);
    return;
  }
  std::string body;
  put_u8(body, p.reason_code);
  encode_properties(body, p.properties);
  put_framed(out, first(PacketType::disconnect), body);
}

void encode(std::string& out, const AuthPacket& p, std::uint8_t) {
  if (p.reason_code == 0 && p.properties == Properties{}) {
    put_header(out, first(PacketType::auth), 0);
    return;
  }
  std::string body;
  put_u8(body, p.reason_code);
  encode_properties(body, p.properties);
  put_framed(out, first(PacketType::auth), body);
}

void encode(std::string& out, const Packet& p, std::uint8_t level) {
  std::visit(
      [&](const auto& packet) {
        using T = std::decay_t<decltype(packet)>;
        if constexpr (std::is_same_v<T, ConnectPacket>) {
          encode(out, packet);
        } else {
          encode(out, packet, level);
        }
      },
      p);
}

}  // namespace outpost::mqtt
