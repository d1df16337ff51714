// MQTT 3.1.1 and 5 wire codec: framing (fixed header + remaining length), decoding with errors
// that name the packet and the fault, and encoding into a caller's buffer. A packet's layout
// depends on the connection's protocol level (CONNECT says which): the level is a parameter.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "outpost/core/result.h"
#include "outpost/mqtt_codec/packets.h"

namespace outpost::mqtt {

// One complete control packet as it came off the wire.
struct Frame {
  std::uint8_t first_byte = 0;  // type << 4 | flags
  std::string_view body;        // the "remaining length" bytes; valid until the next feed/next
  PacketType type() const { return static_cast<PacketType>(first_byte >> 4); }
  std::uint8_t flags() const { return first_byte & 0x0f; }
};

// Accumulates bytes from a stream and cuts them into frames. Bytes are appended with
// `append`; `next()` yields frames until it needs more input. A frame bigger than
// `max_packet_bytes` or a malformed remaining length is an error (the connection must close).
class FrameReader {
 public:
  explicit FrameReader(std::size_t max_packet_bytes) : max_packet_bytes_(max_packet_bytes) {}

  void append(std::string_view bytes);
  // Direct access for reading from a socket without an extra copy.
  char* prepare(std::size_t size);
  void commit(std::size_t size);

  // A frame, nullopt when more input is needed, or an error.
  Result<std::optional<Frame>> next();
  std::size_t buffered() const { return end_ - begin_; }
  // Servers read CONNECT with a small cap and raise it once the client is authenticated.
  void set_max_packet_bytes(std::size_t max_packet_bytes) { max_packet_bytes_ = max_packet_bytes; }
  // next() failed because a frame is over the cap (MQTT 5: 0x95 Packet too large), not malformed.
  bool oversized() const { return oversized_; }

 private:
  void compact();
  std::string buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t max_packet_bytes_;
  bool oversized_ = false;
};

// `protocol_level`: the connection's (kMqtt311 or kMqtt5); a CONNECT reads its own.
Result<Packet> decode_packet(const Frame& frame, std::uint8_t protocol_level = kMqtt311);

// Encoders append to `out`, so several packets can go out in one write. A CONNECT is written
// at its own protocol level; the others at `protocol_level`.
void encode(std::string& out, const ConnectPacket& p);
void encode(std::string& out, const ConnackPacket& p, std::uint8_t protocol_level = kMqtt311);
void encode(std::string& out, const PublishPacket& p, std::uint8_t protocol_level = kMqtt311);
// Publishing without building a PublishPacket (the hub's hot path). `v5_properties` non-null:
// the MQTT 5 layout with those properties.
void encode_publish(std::string& out, std::string_view topic, std::string_view payload,
                    std::uint8_t qos, std::uint16_t packet_id, bool retain = false,
                    bool dup = false, const Properties* v5_properties = nullptr);
void encode(std::string& out, const PubackPacket& p, std::uint8_t protocol_level = kMqtt311);
void encode(std::string& out, const PubrecPacket& p, std::uint8_t protocol_level = kMqtt311);
void encode(std::string& out, const PubrelPacket& p, std::uint8_t protocol_level = kMqtt311);
void encode(std::string& out, const PubcompPacket& p, std::uint8_t protocol_level = kMqtt311);
void encode(std::string& out, const SubscribePacket& p, std::uint8_t protocol_level = kMqtt311);
void encode(std::string& out, const SubackPacket& p, std::uint8_t protocol_level = kMqtt311);
void encode(std::string& out, const UnsubscribePacket& p, std::uint8_t protocol_level = kMqtt311);
void encode(std::string& out, const UnsubackPacket& p, std::uint8_t protocol_level = kMqtt311);
void encode(std::string& out, const PingreqPacket& p, std::uint8_t protocol_level = kMqtt311);
void encode(std::string& out, const PingrespPacket& p, std::uint8_t protocol_level = kMqtt311);
void encode(std::string& out, const DisconnectPacket& p, std::uint8_t protocol_level = kMqtt311);
void encode(std::string& out, const AuthPacket& p, std::uint8_t protocol_level = kMqtt5);
void encode(std::string& out, const Packet& p, std::uint8_t protocol_level = kMqtt311);

inline constexpr std::size_t kMaxRemainingLength = 268'435'455;

}  // namespace outpost::mqtt
