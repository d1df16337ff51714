// The SDK's wire pieces without a network: the topics it publishes (as the official SDKs
// send them), the topics it accepts, the credentials it makes from a connection string.
#include <gtest/gtest.h>

#include "client_core.h"
#include "credentials.h"
#include "message_codec.h"
#include "outpost/client/client_error.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/username.h"

namespace outpost::client::detail {
namespace {

const std::string kKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

template <typename F>
ErrorCode error_code_of(F f) {
  try {
    f();
  } catch (const ClientError& e) {
    return e.code();
  }
  ADD_FAILURE() << "no ClientError";
  return ErrorCode::timeout;
}

TEST(ClientTopics, OutputsStartWithTheOutputNameAndEndWithASlash) {
  Message m("{}");
  m.messageId = "msg-1";
  m.correlationId = "corr-1";
  m.contentType = "application/json";
  m.contentEncoding = "utf-8";
  m.setProperty("custom prop", "a b&c=d/é");
  EXPECT_EQ(telemetry_topic("dev1", "mod1", m, "output1"),
            "devices/dev1/modules/mod1/messages/events/%24.on=output1&%24.mid=msg-1&%24.cid=corr-1&%24.ct=application%2Fjson"
            "&%24.ce=utf-8&custom%20prop=a%20b%26c%3Dd%2F%C3%A9/");
  EXPECT_EQ(telemetry_topic("dev1", "mod1", Message("x")), "devices/dev1/modules/mod1/messages/events/");
  EXPECT_EQ(telemetry_topic("dev1", "", Message("x")), "devices/dev1/messages/events/");
}

TEST(ClientTopics, MessagesOverIotHubsLimitAreRefusedBeforeSending) {
  EXPECT_NO_THROW(check_message_size(Message(std::string(256 * 1024 - 100, 'x'))));
  EXPECT_EQ(error_code_of([] { check_message_size(Message(std::string(256 * 1024 + 1, 'x'))); }), ErrorCode::invalid_argument);
}

TEST(ClientTopics, InputsAndC2dCarryTheirProperties) {
  const auto input = parse_inbound_message(
      "devices/dev1/modules/mod1/inputs/in1/%24.mid=m1&%24.cdid=dev1&%24.cmid=A&%24.ct=text%2Fplain&k=v%20w", "body");
  ASSERT_TRUE(input);
  EXPECT_EQ(input->kind, InboundMessage::Kind::input);
  EXPECT_EQ(input->input_name, "in1");
  EXPECT_EQ(input->message.inputName, "in1");
  EXPECT_EQ(input->message.body, "body");
  EXPECT_EQ(input->message.messageId, "m1");
  EXPECT_EQ(input->message.contentType, "text/plain");
  EXPECT_EQ(input->message.connectionDeviceId, "dev1");
  EXPECT_EQ(input->message.connectionModuleId, "A");
  ASSERT_NE(input->message.property("k"), nullptr);
  EXPECT_EQ(*input->message.property("k"), "v w");
  const auto bare = parse_inbound_message("devices/dev1/modules/mod1/inputs/in2/", "");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->input_name, "in2");
  const auto c2d = parse_inbound_message("devices/dev1/messages/devicebound/%24.to=%2Fdevices%2Fdev1&ack=full", "hi");
  ASSERT_TRUE(c2d);
  EXPECT_EQ(c2d->kind, InboundMessage::Kind::c2d);
  EXPECT_EQ(c2d->message.body, "hi");
  for (const auto* topic : {"devices/dev1/modules/mod1/inputs/", "devices/dev1/modules/mod1/outputs/x/", "devices//messages/devicebound/",
                            "$iothub/twin/res/200/", "devices/dev1/modules/mod1/inputs/in1/%zz=1", ""})
    EXPECT_FALSE(parse_inbound_message(topic, "")) << topic;
}

TEST(ClientTopics, MethodRequestsAndTwinResponsesAreMatchedByRid) {
  const auto method = parse_method_request("$iothub/methods/POST/reboot/?$rid=42");
  ASSERT_TRUE(method);
  EXPECT_EQ(method->name, "reboot");
  EXPECT_EQ(method->rid, "42");
  EXPECT_TRUE(parse_method_request("$iothub/methods/POST/ping?$rid=a"));
  EXPECT_FALSE(parse_method_request("$iothub/methods/POST/ping/"));
  EXPECT_FALSE(parse_method_request("$iothub/methods/POST//?$rid=1"));
  const auto twin = parse_twin_response("$iothub/twin/res/204/?$rid=7&$version=3");
  ASSERT_TRUE(twin);
  EXPECT_EQ(twin->status, 204);
  EXPECT_EQ(twin->rid, "7");
  EXPECT_FALSE(parse_twin_response("$iothub/twin/res/abc/?$rid=7"));
  EXPECT_FALSE(parse_twin_response("$iothub/twin/res/200/"));
  EXPECT_FALSE(parse_twin_response("$iothub/twin/res/99999999999/?$rid=1"));
}

TEST(ClientCredentials, AConnectionStringGivesIdentityGatewayAndTokens) {
  ClientOptions options;
  const auto c = credentials_from_connection_string(
      "HostName=hub.example.net;DeviceId=edge1;ModuleId=filter;SharedAccessKey=" + kKey + ";GatewayHostName=gw.local:18883",
      options, true);
  EXPECT_EQ(c.iothub_host, "hub.example.net");
  EXPECT_EQ(c.gateway_host, "gw.local");
  EXPECT_EQ(c.mqtt_port, 18883);
  EXPECT_EQ(c.client_id(), "edge1/filter");
  const auto token = c.sas_token(std::chrono::seconds(600));
  // A token the hub accepts for exactly this module.
  SasAudience audience{{"hub.example.net"}, "edge1", "filter"};
  const auto verified = verify_sas_token(token, SasKeys{kKey, ""}, &audience, std::time(nullptr));
  EXPECT_TRUE(verified.ok()) << verified.detail << "\n" << token;
  EXPECT_EQ(token.find("skn="), std::string::npos) << "module tokens carry no key name";
  const auto username = mqtt_username(c, options);
  EXPECT_NE(username.find("hub.example.net/edge1/filter/?api-version="), std::string::npos) << username;
  EXPECT_NE(username.find("DeviceClientType=outpost-client"), std::string::npos) << username;

  const auto direct = credentials_from_connection_string("HostName=hub.example.net;DeviceId=d1;SharedAccessKey=" + kKey,
                                                         options, false);
  EXPECT_EQ(direct.gateway_host, "hub.example.net");
  EXPECT_EQ(direct.mqtt_port, 8883);
}

TEST(ClientCredentials, WhatIsMissingOrWrongIsNamed) {
  ClientOptions options;
  const auto refused = [&](const std::string& text, bool module, const std::string& words) {
    try {
      credentials_from_connection_string(text, options, module);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const ClientError& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  refused("HostName=h;DeviceId=d;SharedAccessKey=" + kKey, true, "ModuleId");
  refused("HostName=h;DeviceId=d;ModuleId=m;SharedAccessKey=" + kKey, false, "ModuleClient");
  refused("HostName=h;DeviceId=d;ModuleId=m", true, "SharedAccessKey");
  refused("HostName=h;DeviceId=d;ModuleId=m;SharedAccessKey=not base64!", true, "base64");
  refused("HostName=h;DeviceId=d;x509=true", false, "certificateFile");
  refused("HostName=h;DeviceId=d;SharedAccessKey=" + kKey + ";GatewayHostName=gw:99999", false, "port");
  options.certificateFile = "/etc/d.pem";
  options.privateKeyFile = "/etc/d.key";
  const auto x509 = credentials_from_connection_string("HostName=h;DeviceId=d;x509=true", options, false);
  EXPECT_FALSE(x509.sign) << "no SAS for X.509 devices";
  EXPECT_EQ(x509.certificate_file, "/etc/d.pem");
}

}  // namespace
}  // namespace outpost::client::detail
