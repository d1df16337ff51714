// MQTT 5 properties (src/mqtt_codec/properties.cpp): every kind round-trips; what the standard
// calls malformed or a protocol error is refused with the property named; variable byte
// integers at their edges.
#include "outpost/mqtt_codec/properties.h"

#include <gtest/gtest.h>

namespace outpost::mqtt {
namespace {

std::string block_of(const Properties& p) {
  std::string out;
  encode_properties(out, p);
  return out;
}

Result<Properties> decode(const std::string& bytes, PropertyContext context, std::string_view* rest = nullptr) {
  std::string_view data(bytes);
  auto p = decode_properties(data, context, "PUBLISH");
  if (rest) *rest = data;
  return p;
}

// A block from raw property bytes (the length is added).
std::string raw(const std::string& properties) {
  std::string out;
  encode_variable_int(out, static_cast<std::uint32_t>(properties.size()));
  return out + properties;
}

TEST(MqttProperties, APublishsPropertiesRoundTrip) {
  Properties p;
  p.payload_format_indicator = 1;
  p.message_expiry_interval = 3600;
  p.content_type = "application/json";
  p.response_topic = "replies/line1";
  p.correlation_data = std::string("\x00\xff\x10", 3);
  p.subscription_identifiers = {1, 268'435'455};
  p.topic_alias = 7;
  p.user_properties = {{"unit", "C"}, {"unit", "K"}, {"", ""}};
  const auto bytes = block_of(p) + "payload";
  std::string_view rest;
  const auto back = decode(bytes, PropertyContext::publish, &rest);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, p);
  EXPECT_EQ(rest, "payload") << "the block is consumed, what follows is left";
}

TEST(MqttProperties, ConnectAndConnackPropertiesRoundTrip) {
  Properties connect;
  connect.session_expiry_interval = 0xFFFFFFFF;
  connect.receive_maximum = 20;
  connect.maximum_packet_size = 1 << 20;
  connect.topic_alias_maximum = 10;
  connect.request_response_information = 1;
  connect.request_problem_information = 0;
  connect.authentication_method = "SCRAM-SHA-1";
  connect.authentication_data = "abc";
  EXPECT_EQ(*decode(block_of(connect), PropertyContext::connect), connect);
  Properties connack;
  connack.assigned_client_identifier = "auto-1";
  connack.server_keep_alive = 30;
  connack.maximum_qos = 1;
  connack.retain_available = 1;
  connack.wildcard_subscription_available = 1;
  connack.subscription_identifier_available = 0;
  connack.shared_subscription_available = 1;
  connack.reason_string = "welcome";
  connack.server_reference = "other:1883";
  connack.response_information = "replies/";
  EXPECT_EQ(*decode(block_of(connack), PropertyContext::connack), connack);
  EXPECT_EQ(block_of(Properties{}), std::string(1, '\0')) << "no properties: a zero length";
}

TEST(MqttProperties, RefusesWhatTheStandardForbidsAndNamesIt) {
  const auto error = [](const std::string& bytes, PropertyContext c) {
    auto p = decode(bytes, c);
    return p ? std::string("(accepted)") : p.error();
  };
  // A property in a packet that may not carry it.
  EXPECT_EQ(error(raw("\x11\x00\x00\x00\x05"), PropertyContext::publish),
            "PUBLISH: properties: Session Expiry Interval is not allowed here");
  // Twice, where once is the rule (a subscription identifier may repeat in PUBLISH only).
  EXPECT_EQ(error(raw(std::string("\x01\x01\x01\x00", 4)), PropertyContext::publish),
            "PUBLISH: properties: Payload Format Indicator given twice");
  EXPECT_EQ(error(raw("\x0b\x01\x0b\x02"), PropertyContext::subscribe),
            "PUBLISH: properties: Subscription Identifier given twice");
  EXPECT_TRUE(decode(raw("\x0b\x01\x0b\x02"), PropertyContext::publish));
  // Values out of range.
  EXPECT_EQ(error(raw("\x01\x02"), PropertyContext::publish), "PUBLISH: properties: Payload Format Indicator must be 0 or 1");
  EXPECT_EQ(error(raw(std::string("\x21\x00\x00", 3)), PropertyContext::connect),
            "PUBLISH: properties: Receive Maximum must not be 0");
  EXPECT_EQ(error(raw(std::string("\x23\x00\x00", 3)), PropertyContext::publish),
            "PUBLISH: properties: Topic Alias must not be 0");
  EXPECT_EQ(error(raw(std::string("\x0b\x00", 2)), PropertyContext::publish),
            "PUBLISH: properties: Subscription Identifier must not be 0");
  // Text that is not UTF-8, a response topic with a wildcard, unknown ids, truncation.
  EXPECT_EQ(error(raw(std::string("\x03\x00\x01\xff", 4)), PropertyContext::publish),
            "PUBLISH: properties: Content Type is not valid UTF-8");
  EXPECT_NE(error(raw(std::string("\x08\x00\x03\x61/#", 6)), PropertyContext::publish).find("Response Topic"),
            std::string::npos);
  EXPECT_EQ(error(raw("\x7f"), PropertyContext::publish), "PUBLISH: properties: unknown property 0x7f");
  EXPECT_EQ(error(raw(std::string("\x02\x00\x00", 3)), PropertyContext::publish),
            "PUBLISH: properties: Message Expiry Interval is truncated");
  EXPECT_EQ(error(std::string("\x05\x01", 2), PropertyContext::publish),
            "PUBLISH: properties: the property length runs past the packet");
  EXPECT_EQ(error(std::string("\x80\x80\x80\x80\x01", 5), PropertyContext::publish),
            "PUBLISH: properties: malformed property length");
  // Binary data need not be UTF-8; user properties must be.
  EXPECT_TRUE(decode(raw(std::string("\x09\x00\x01\xff", 4)), PropertyContext::publish));
  EXPECT_EQ(error(raw(std::string("\x26\x00\x01\xff\x00\x00", 6)), PropertyContext::publish),
            "PUBLISH: properties: User Property is not valid UTF-8");
}

TEST(MqttProperties, VariableByteIntegersAtTheirEdges) {
  for (const std::uint32_t v : {0u, 127u, 128u, 16'383u, 16'384u, 2'097'151u, 2'097'152u, 268'435'455u}) {
    std::string out;
    encode_variable_int(out, v);
    std::string_view data(out);
    EXPECT_EQ(decode_variable_int(data), v);
    EXPECT_TRUE(data.empty());
  }
  std::string_view five("\xff\xff\xff\xff\x01", 5);
  EXPECT_EQ(decode_variable_int(five), std::nullopt) << "at most four bytes";
  std::string_view overlong("\x80\x00", 2);
  EXPECT_EQ(decode_variable_int(overlong), std::nullopt) << "the shortest form only";
  std::string_view truncated("\x80", 1);
  EXPECT_EQ(decode_variable_int(truncated), std::nullopt);
}

}  // namespace
}  // namespace outpost::mqtt
