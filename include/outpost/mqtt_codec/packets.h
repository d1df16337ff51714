// MQTT 3.1.1 and 5 control packets as plain values. Both directions are modelled so the same
// codec serves our server, our load tools and our tests. The MQTT 5 parts — properties,
// reason codes, subscription options, AUTH — are unused (empty, 0) on a 3.1.1 connection.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "outpost/mqtt_codec/properties.h"

namespace outpost::mqtt {

inline constexpr std::uint8_t kMqtt311 = 4;  // CONNECT's protocol level
inline constexpr std::uint8_t kMqtt5 = 5;

enum class PacketType : std::uint8_t {
  connect = 1, connack, publish, puback, pubrec, pubrel, pubcomp,
  subscribe, suback, unsubscribe, unsuback, pingreq, pingresp, disconnect, auth,
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

// The MQTT 5 CONNACK reason code for a 3.1.1 return code (§3.2.2.2).
std::uint8_t v5_reason_code(ConnectReturnCode code);

struct Will {
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;
  bool retain = false;
  Properties properties;  // MQTT 5
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
  Properties properties;  // MQTT 5
  bool v5() const { return protocol_level == kMqtt5; }
};

struct ConnackPacket {
  bool session_present = false;
  ConnectReturnCode return_code = ConnectReturnCode::accepted;  // 3.1.1
  std::uint8_t reason_code = 0;                                 // MQTT 5 (v5_reason_code)
  Properties properties;
};

struct PublishPacket {
  std::string topic;  // MQTT 5: may be empty when properties.topic_alias names it
  std::string payload;
  std::uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;  // only for qos > 0
  Properties properties;
};

// The acknowledgements; reason code and properties are MQTT 5's (0: success).
struct PubackPacket {
  std::uint16_t packet_id = 0;
  std::uint8_t reason_code = 0;
  Properties properties;
};
struct PubrecPacket {
  std::uint16_t packet_id = 0;
  std::uint8_t reason_code = 0;
  Properties properties;
};
struct PubrelPacket {
  std::uint16_t packet_id = 0;
  std::uint8_t reason_code = 0;
  Properties properties;
};
struct PubcompPacket {
  std::uint16_t packet_id = 0;
  std::uint8_t reason_code = 0;
  Properties properties;
};

struct Subscription {
  std::string filter;
  std::uint8_t qos = 0;
  // MQTT 5 subscription options (§3.8.3.1).
  bool no_local = false;
  bool retain_as_published = false;
  std::uint8_t retain_handling = 0;  // 0 send retained, 1 only if new, 2 never
  // The SUBSCRIBE's Subscription Identifier (a packet property, copied to each of its
  // subscriptions for the handler); 0: none.
  std::uint32_t subscription_id = 0;
};

struct SubscribePacket {
  std::uint16_t packet_id = 0;
  std::vector<Subscription> subscriptions;
  Properties properties;
};

inline constexpr std::uint8_t kSubackFailure = 0x80;
// MQTT 5 reason codes a server gives in PUBACK, PUBREC and SUBACK to refuse (§2.4); a 3.1.1
// client gets kSubackFailure in a SUBACK and a plain PUBACK instead.
namespace refusal {
inline constexpr std::uint8_t unspecified = 0x80;
inline constexpr std::uint8_t not_authorized = 0x87;
inline constexpr std::uint8_t topic_filter_invalid = 0x8F;
inline constexpr std::uint8_t quota_exceeded = 0x97;
}  // namespace refusal

struct SubackPacket {
  std::uint16_t packet_id = 0;
  std::vector<std::uint8_t> return_codes;  // granted QoS, or kSubackFailure (MQTT 5: a reason code)
  Properties properties;
};

struct UnsubscribePacket {
  std::uint16_t packet_id = 0;
  std::vector<std::string> filters;
  Properties properties;
};

struct UnsubackPacket {
  std::uint16_t packet_id = 0;
  std::vector<std::uint8_t> reason_codes;  // MQTT 5: one per filter
  Properties properties;
};
struct PingreqPacket {};
struct PingrespPacket {};
struct DisconnectPacket {
  std::uint8_t reason_code = 0;  // MQTT 5
  Properties properties;
};
// MQTT 5 DISCONNECT reason codes (§3.14.2.1) the server sends or acts on.
namespace disconnect_reason {
inline constexpr std::uint8_t normal = 0x00;
inline constexpr std::uint8_t with_will = 0x04;  // from a client: publish my will anyway
inline constexpr std::uint8_t malformed_packet = 0x81;
inline constexpr std::uint8_t protocol_error = 0x82;
inline constexpr std::uint8_t implementation_specific_error = 0x83;
inline constexpr std::uint8_t server_shutting_down = 0x8B;
inline constexpr std::uint8_t keep_alive_timeout = 0x8D;
inline constexpr std::uint8_t session_taken_over = 0x8E;
inline constexpr std::uint8_t packet_too_large = 0x95;
inline constexpr std::uint8_t quota_exceeded = 0x97;
inline constexpr std::uint8_t administrative_action = 0x98;
}  // namespace disconnect_reason
// MQTT 5 enhanced authentication (§3.15).
struct AuthPacket {
  std::uint8_t reason_code = 0;
  Properties properties;
};

using Packet = std::variant<ConnectPacket, ConnackPacket, PublishPacket, PubackPacket,
                            PubrecPacket, PubrelPacket, PubcompPacket, SubscribePacket,
                            SubackPacket, UnsubscribePacket, UnsubackPacket, PingreqPacket,
                            PingrespPacket, DisconnectPacket, AuthPacket>;

}  // namespace outpost::mqtt
