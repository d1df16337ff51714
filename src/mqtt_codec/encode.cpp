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
  do {
    std::uint8_t digit = remaining % 128;
    remaining /= 128;
    if (remaining > 0) digit |= 0x80;
    put_u8(out, digit);
  } while (remaining > 0);
}
std::uint8_t first(PacketType t, std::uint8_t flags = 0) {
  return static_cast<std::uint8_t>(static_cast<std::uint8_t>(t) << 4 | flags);
}

}  // namespace

void encode(std::string& out, const ConnectPacket& p) {
  std::size_t len = 2 + p.protocol_name.size() + 1 + 1 + 2 + 2 + p.client_id.size();
  std::uint8_t flags = p.clean_session ? 0x02 : 0;
  if (p.will) {
    flags |= 0x04 | static_cast<std::uint8_t>(p.will->qos << 3) | (p.will->retain ? 0x20 : 0);
    len += 2 + p.will->topic.size() + 2 + p.will->payload.size();
  }
  if (p.username) {
    flags |= 0x80;
    len += 2 + p.username->size();
  }
  if (p.password) {
    flags |= 0x40;
    len += 2 + p.password->size();
  }
  put_header(out, first(PacketType::connect), len);
  put_bytes(out, p.protocol_name);
  put_u8(out, p.protocol_level);
  put_u8(out, flags);
  put_u16(out, p.keep_alive_secs);
  put_bytes(out, p.client_id);
  if (p.will) {
    put_bytes(out, p.will->topic);
    put_bytes(out, p.will->payload);
  }
  if (p.username) put_bytes(out, *p.username);
  if (p.password) put_bytes(out, *p.password);
}

void encode(std::string& out, const ConnackPacket& p) {
  put_header(out, first(PacketType::connack), 2);
  put_u8(out, p.session_present ? 1 : 0);
  put_u8(out, static_cast<std::uint8_t>(p.return_code));
}

void encode_publish(std::string& out, std::string_view topic, std::string_view payload,
                    std::uint8_t qos, std::uint16_t packet_id, bool retain, bool dup) {
  const std::uint8_t flags = static_cast<std::uint8_t>((dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0));
  const std::size_t len = 2 + topic.size() + (qos > 0 ? 2 : 0) + payload.size();
  out.reserve(out.size() + len + 5);
  put_header(out, first(PacketType::publish, flags), len);
  put_bytes(out, topic);
  if (qos > 0) put_u16(out, packet_id);
  out.append(payload);
}

void encode(std::string& out, const PublishPacket& p) {
  encode_publish(out, p.topic, p.payload, p.qos, p.packet_id, p.retain, p.dup);
}

void encode(std::string& out, const PubackPacket& p) {
  put_header(out, first(PacketType::puback), 2);
  put_u16(out, p.packet_id);
}

void encode(std::string& out, const SubscribePacket& p) {
  std::size_t len = 2;
  for (const auto& s : p.subscriptions) len += 2 + s.filter.size() + 1;
  put_header(out, first(PacketType::subscribe, 0x02), len);
  put_u16(out, p.packet_id);
  for (const auto& s : p.subscriptions) {
    put_bytes(out, s.filter);
    put_u8(out, s.qos);
  }
}

void encode(std::string& out, const SubackPacket& p) {
  put_header(out, first(PacketType::suback), 2 + p.return_codes.size());
  put_u16(out, p.packet_id);
  for (const auto code : p.return_codes) put_u8(out, code);
}

void encode(std::string& out, const UnsubscribePacket& p) {
  std::size_t len = 2;
  for (const auto& f : p.filters) len += 2 + f.size();
  put_header(out, first(PacketType::unsubscribe, 0x02), len);
  put_u16(out, p.packet_id);
  for (const auto& f : p.filters) put_bytes(out, f);
}

void encode(std::string& out, const UnsubackPacket& p) {
  put_header(out, first(PacketType::unsuback), 2);
  put_u16(out, p.packet_id);
}

void encode(std::string& out, const PingreqPacket&) { put_header(out, first(PacketType::pingreq), 0); }
void encode(std::string& out, const PingrespPacket&) { put_header(out, first(PacketType::pingresp), 0); }
void encode(std::string& out, const DisconnectPacket&) { put_header(out, first(PacketType::disconnect), 0); }

void encode(std::string& out, const Packet& p) {
  std::visit(
      [&](const auto& packet) {
        using T = std::decay_t<decltype(packet)>;
        if constexpr (std::is_same_v<T, PubrecPacket>) {
          put_header(out, first(PacketType::pubrec), 2);
          put_u16(out, packet.packet_id);
        } else if constexpr (std::is_same_v<T, PubrelPacket>) {
          put_header(out, first(PacketType::pubrel, 0x02), 2);
          put_u16(out, packet.packet_id);
        } else if constexpr (std::is_same_v<T, PubcompPacket>) {
          put_header(out, first(PacketType::pubcomp), 2);
          put_u16(out, packet.packet_id);
        } else {
          encode(out, packet);
        }
      },
      p);
}

}  // namespace outpost::mqtt
