// The MQTT 5 layouts (src/mqtt_codec): every packet round-trips with its properties, reason
// codes and subscription options; bytes as the standard's examples have them; what MQTT 5
// forbids is refused by name; a 3.1.1 connection's packets are unchanged.
#include "outpost/mqtt_codec/codec.h"

#include <gtest/gtest.h>

namespace outpost::mqtt {
namespace {

Result<Packet> decode_v5(const std::string& wire, std::uint8_t level = kMqtt5) {
  FrameReader reader(1 << 20);
  reader.append(wire);
  auto frame = reader.next();
  if (!frame) return make_error(frame.error());
  if (!*frame) return make_error("incomplete");
  return decode_packet(**frame, level);
}

template <typename T>
T round_trip_v5(const T& packet) {
  std::string wire;
  encode(wire, Packet{packet}, kMqtt5);
  auto decoded = decode_v5(wire);
  EXPECT_TRUE(decoded) << decoded.error();
  return decoded ? std::get<T>(*decoded) : T{};
}

TEST(MqttCodecV5, ConnectWithPropertiesAndAWillWithItsOwn) {
  ConnectPacket c;
  c.protocol_level = kMqtt5;
  c.clean_session = true;  // Clean Start
  c.keep_alive_secs = 30;
  c.client_id = "sensor-1";
  c.properties.session_expiry_interval = 3600;
  c.properties.receive_maximum = 10;
  c.properties.user_properties = {{"site", "plant1"}};
  c.will = Will{"status/sensor-1", "gone", 1, true, {}};
  c.will->properties.will_delay_interval = 5;
  c.will->properties.content_type = "text/plain";
  c.password = "no user name: allowed in MQTT 5";
  const auto back = round_trip_v5(c);
  EXPECT_TRUE(back.v5());
  EXPECT_EQ(back.properties, c.properties);
  ASSERT_TRUE(back.will);
  EXPECT_EQ(back.will->properties, c.will->properties);
  EXPECT_EQ(back.will->topic, "status/sensor-1");
  EXPECT_EQ(back.password, c.password);
  EXPECT_FALSE(back.username);
}

TEST(MqttCodecV5, ConnackPublishAndAcksCarryReasonsAndProperties) {
  ConnackPacket ack;
  ack.session_present = true;
  ack.reason_code = v5_reason_code(ConnectReturnCode::not_authorized);
  ack.properties.topic_alias_maximum = 16;
  ack.properties.assigned_client_identifier = "auto-1";
  const auto ack_back = round_trip_v5(ack);
  EXPECT_EQ(ack_back.reason_code, 0x87);
  EXPECT_EQ(ack_back.properties, ack.properties);

  PublishPacket p;
  p.topic = "replies/1";
  p.payload = "21.5";
  p.qos = 2;
  p.packet_id = 9;
  p.properties.response_topic = "requests/1";
  p.properties.correlation_data = "id-7";
  p.properties.message_expiry_interval = 60;
  p.properties.user_properties = {{"unit", "C"}};
  const auto pub = round_trip_v5(p);
  EXPECT_EQ(pub.topic, p.topic);
  EXPECT_EQ(pub.payload, "21.5");
  EXPECT_EQ(pub.properties, p.properties);

  PubackPacket puback{9, 0x10, {}};  // no matching subscribers
  EXPECT_EQ(round_trip_v5(puback).reason_code, 0x10);
  std::string wire;
  encode(wire, PubackPacket{9, 0, {}}, kMqtt5);
  EXPECT_EQ(wire, std::string("\x40\x02\x00\x09", 4)) << "success without properties: the 3.1.1 bytes";
  PubrecPacket pubrec{3, 0x80, {}};
  pubrec.properties.reason_string = "no";
  EXPECT_EQ(round_trip_v5(pubrec).properties.reason_string, "no");
  EXPECT_EQ(round_trip_v5(PubrelPacket{4, 0x92, {}}).reason_code, 0x92);
  EXPECT_EQ(round_trip_v5(PubcompPacket{5, 0, {}}).packet_id, 5);
}

TEST(MqttCodecV5, SubscriptionOptionsAndEveryReasonCodeList) {
  SubscribePacket s;
  s.packet_id = 2;
  s.properties.subscription_identifiers = {42};
  s.subscriptions = {{"a/#", 1, true, true, 2}, {"$share/g/b/+", 2, false, false, 0}};
  const auto back = round_trip_v5(s);
  ASSERT_EQ(back.subscriptions.size(), 2u);
  EXPECT_TRUE(back.subscriptions[0].no_local);
  EXPECT_TRUE(back.subscriptions[0].retain_as_published);
  EXPECT_EQ(back.subscriptions[0].retain_handling, 2);
  EXPECT_EQ(back.subscriptions[0].qos, 1);
  EXPECT_EQ(back.subscriptions[1].filter, "$share/g/b/+");
  EXPECT_EQ(back.properties.subscription_identifiers, std::vector<std::uint32_t>{42});
  const SubackPacket suback{2, {1, 0x87}, {}};
  EXPECT_EQ(round_trip_v5(suback).return_codes, suback.return_codes);
  UnsubscribePacket u;
  u.packet_id = 3;
  u.filters = {"a/#"};
  u.properties.user_properties = {{"why", "done"}};
  EXPECT_EQ(round_trip_v5(u).properties.user_properties, u.properties.user_properties);
  const UnsubackPacket unsuback{3, {0x00, 0x11}, {}};
  EXPECT_EQ(round_trip_v5(unsuback).reason_codes, unsuback.reason_codes);
  DisconnectPacket d;
  d.reason_code = 0x8E;  // session taken over
  d.properties.reason_string = "another connection with this client id";
  EXPECT_EQ(round_trip_v5(d).properties.reason_string, d.properties.reason_string);
  EXPECT_EQ(std::get<DisconnectPacket>(*decode_v5(std::string("\xe0\x00", 2))).reason_code, 0)
      << "an empty DISCONNECT is a normal one";
  AuthPacket a;
  a.reason_code = 0x18;
  a.properties.authentication_method = "SCRAM-SHA-1";
  EXPECT_EQ(round_trip_v5(a).properties.authentication_method, "SCRAM-SHA-1");
}

TEST(MqttCodecV5, RefusesWhatMqtt5ForbidsByName) {
  const auto error = [](const std::string& wire) {
    auto p = decode_v5(wire);
    return p ? std::string("(accepted)") : p.error();
  };
  // SUBSCRIBE with reserved option bits, and with Retain Handling 3.
  EXPECT_EQ(error(std::string("\x82\x07\x00\x01\x00\x00\x01\x61\xc1", 9)),
            "SUBSCRIBE: reserved subscription option bits are set");
  EXPECT_EQ(error(std::string("\x82\x07\x00\x01\x00\x00\x01\x61\x31", 9)), "SUBSCRIBE: Retain Handling 3 is invalid");
  // PUBLISH with an empty topic and no alias; with an alias it is fine.
  EXPECT_EQ(error(std::string("\x30\x03\x00\x00\x00", 5)), "PUBLISH: an empty topic name without a Topic Alias");
  EXPECT_EQ(error(std::string("\x30\x06\x00\x00\x03\x23\x00\x01", 8)), "(accepted)");
  // A property a PUBLISH may not carry.
  EXPECT_EQ(error(std::string("\x30\x08\x00\x01\x61\x02\x24\x01\x78\x79", 10)).substr(0, 40),
            "PUBLISH: properties: Maximum QoS is not ");
  // AUTH is reserved in 3.1.1.
  EXPECT_FALSE(decode_v5(std::string("\xf0\x00", 2), kMqtt311));
  EXPECT_TRUE(decode_v5(std::string("\xf0\x00", 2), kMqtt5));
}

TEST(MqttCodecV5, A311ConnectionsPacketsAreUnchanged) {
  PublishPacket p;
  p.topic = "a";
  p.payload = "x";
  p.qos = 1;
  p.packet_id = 1;
  p.properties.content_type = "ignored at 3.1.1";
  std::string wire;
  encode(wire, p);
  EXPECT_EQ(wire, std::string("\x32\x06\x00\x01\x61\x00\x01x", 8));
  std::string suback;
  encode(suback, SubackPacket{1, {0}, {}});
  EXPECT_EQ(suback, std::string("\x90\x03\x00\x01\x00", 5));
}

}  // namespace
}  // namespace outpost::mqtt
