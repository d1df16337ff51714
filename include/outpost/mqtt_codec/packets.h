// MQTT 3.1.1 control packets as plain values. Both directions are modelled so the same
// codec serves our server, our load tools and our tests.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace outpost::mqtt {

enum class PacketType : std::uint8_t {
  connect = 1, connack, publish, puback, pubrec, pubrel, pubcomp,
  subscribe, suback, unsubscribe, unsuback, pingreq, pingresp, disconnect,
};

const char* packet_type_name(PacketType type);

enum class ConnectReturnCode : std::uint8_t {
  accepted = 0,
  unacceptable_protocol_version = 1,
  identifier_rejected = 2,
  server_unavailable = 3,
  bad_username_or_password = 4,
  not_authorized = 5,
};

struct Will {
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;
  bool retain = false;
};

struct ConnectPacket {
  std::string protocol_name = "MQTT";
  std::uint8_t protocol_level = 4;
  bool clean_session = true;
  std::uint16_t keep_alive_secs = 0;
  std::string client_id;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::optional<Will> will;
};

struct ConnackPacket {
  bool session_present = false;
  ConnectReturnCode return_code = ConnectReturnCode::accepted;
};

struct PublishPacket {
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;  // only for qos > 0
};

struct PubackPacket { std::uint16_t packet_id = 0; };
// QoS 2 acknowledgements are decoded only so they can be refused by name.
struct PubrecPacket { std::uint16_t packet_id = 0; };
struct PubrelPacket { std::uint16_t packet_id = 0; };
struct PubcompPacket { std::uint16_t packet_id = 0; };

struct Subscription {
  std::string filter;
  std::uint8_t qos = 0;
};

struct SubscribePacket {
  std::uint16_t packet_id = 0;
  std::vector<Subscription> subscriptions;
};

inline constexpr std::uint8_t kSubackFailure = 0x80;

struct SubackPacket {
  std::uint16_t packet_id = 0;
  std::vector<std::uint8_t> return_codes;  // granted QoS, or kSubackFailure
};

struct UnsubscribePacket {
  std::uint16_t packet_id = 0;
  std::vector<std::string> filters;
};

struct UnsubackPacket { std::uint16_t packet_id = 0; };
struct PingreqPacket {};
struct PingrespPacket {};
struct DisconnectPacket {};

using Packet = std::variant<ConnectPacket, ConnackPacket, PublishPacket, PubackPacket,
                            PubrecPacket, PubrelPacket, PubcompPacket, SubscribePacket,
                            SubackPacket, UnsubscribePacket, UnsubackPacket, PingreqPacket,
                            PingrespPacket, DisconnectPacket>;

}  // namespace outpost::mqtt
