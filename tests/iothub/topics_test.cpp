#include "outpost/iothub/topics.h"

#include <gtest/gtest.h>

#include "outpost/iothub/username.h"

namespace outpost::iothub {
namespace {

TEST(PublishTopic, ParsesNodeSdkOutputEvent) {
  const std::string topic =
      "devices/dev1/modules/mod1/messages/events/%24.on=output1&%24.mid=msg-1-0&seq=0/";
  auto parsed = parse_publish_topic(topic);
  ASSERT_TRUE(parsed);
  const auto& t = std::get<TelemetryTopic>(*parsed);
  EXPECT_EQ(t.sender, (Identity{"dev1", std::string("mod1")}));
  EXPECT_EQ(t.bag, "%24.on=output1&%24.mid=msg-1-0&seq=0/");
}

TEST(PublishTopic, ParsesDeviceTelemetryWithAndWithoutBag) {
  for (const auto* topic : {"devices/leaf1/messages/events/", "devices/leaf1/messages/events",
                            "devices/leaf1/messages/events/a=1&b=2"}) {
    auto parsed = parse_publish_topic(topic);
    ASSERT_TRUE(parsed) << topic;
    const auto& t = std::get<TelemetryTopic>(*parsed);
    EXPECT_EQ(t.sender.device_id, "leaf1");
    EXPECT_FALSE(t.sender.module_id);
  }
  EXPECT_EQ(std::get<TelemetryTopic>(*parse_publish_topic("devices/leaf1/messages/events/a=1&b=2")).bag,
            "a=1&b=2");
}

TEST(PublishTopic, ParsesTwinAndMethodTopics) {
  EXPECT_EQ(std::get<TwinGetTopic>(*parse_publish_topic("$iothub/twin/GET/?$rid=abc-1")).rid, "abc-1");
  EXPECT_EQ(std::get<TwinReportedPatchTopic>(
                *parse_publish_topic("$iothub/twin/PATCH/properties/reported/?$rid=7&$version=3"))
                .rid,
            "7");
  const auto res = std::get<MethodResponseTopic>(*parse_publish_topic("$iothub/methods/res/200/?$rid=r9"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.rid, "r9");
  EXPECT_EQ(parse_publish_topic("$iothub/methods/res/ok/?$rid=1").error(),
            "method response status 'ok' is not an integer");
  EXPECT_EQ(parse_publish_topic("$iothub/twin/GET/").error(), "twin GET without $rid");
  EXPECT_TRUE(std::holds_alternative<UnknownTopic>(*parse_publish_topic("sensors/temp")));
  EXPECT_TRUE(std::holds_alternative<UnknownTopic>(*parse_publish_topic("devices/d/other")));
}

TEST(SubscriptionFilter, RecognisesSdkFilters) {
  EXPECT_EQ(parse_subscription_filter("$iothub/twin/res/#").kind, SubscriptionKind::twin_responses);
  EXPECT_EQ(parse_subscription_filter("$iothub/twin/PATCH/properties/desired/#").kind,
            SubscriptionKind::twin_desired);
  EXPECT_EQ(parse_subscription_filter("$iothub/methods/POST/#").kind, SubscriptionKind::methods);
  const auto c2d = parse_subscription_filter("devices/leaf1/messages/devicebound/#");
  EXPECT_EQ(c2d.kind, SubscriptionKind::c2d);
  EXPECT_EQ(c2d.identity->device_id, "leaf1");
  for (const auto* f : {"devices/e/modules/m/#", "devices/e/modules/m/inputs/#"}) {
    const auto in = parse_subscription_filter(f);
    EXPECT_EQ(in.kind, SubscriptionKind::module_inputs) << f;
    EXPECT_EQ(in.identity, (Identity{"e", std::string("m")}));
  }
  EXPECT_EQ(parse_subscription_filter("#").kind, SubscriptionKind::unknown);
  EXPECT_EQ(parse_subscription_filter("devices/e/modules/m/inputs/in1").kind, SubscriptionKind::unknown);
}

TEST(ServerTopics, AreFormattedAsTheSdksExpect) {
  EXPECT_EQ(input_topic({"e", std::string("m")}, "in1", "%24.cdid=e&%24.cmid=a"),
            "devices/e/modules/m/inputs/in1/%24.cdid=e&%24.cmid=a");
  EXPECT_EQ(input_topic({"e", std::string("m")}, "in1", ""), "devices/e/modules/m/inputs/in1/");
  EXPECT_EQ(twin_response_topic(204, "r1", 5), "$iothub/twin/res/204/?$rid=r1&$version=5");
  EXPECT_EQ(twin_response_topic(200, "r1"), "$iothub/twin/res/200/?$rid=r1");
  EXPECT_EQ(twin_desired_topic(3), "$iothub/twin/PATCH/properties/desired/?$version=3");
  EXPECT_EQ(method_request_topic("reboot", "1"), "$iothub/methods/POST/reboot/?$rid=1");
  EXPECT_EQ(c2d_topic("leaf", "%24.mid=1"), "devices/leaf/messages/devicebound/%24.mid=1");
}

TEST(MqttUsername, ParsesEverySdkShape) {
  auto node = parse_mqtt_username(
      "myhub.azure-devices.net/dev1/mod1/?api-version=2021-04-12&DeviceClientType=azure-iot-device%2F1.18.4%20(node%20v20.20.2%3B%20Debian%2012%3B%20x64)");
  ASSERT_TRUE(node) << node.error();
  EXPECT_EQ(node->identity, (Identity{"dev1", std::string("mod1")}));
  EXPECT_EQ(node->api_version, "2021-04-12");
  EXPECT_EQ(node->device_client_type, "azure-iot-device/1.18.4 (node v20.20.2; Debian 12; x64)");
  auto legacy = parse_mqtt_username("h/dev1/api-version=2016-11-14");
  ASSERT_TRUE(legacy) << legacy.error();
  EXPECT_FALSE(legacy->identity.module_id);
  auto chained = parse_mqtt_username("h/leaf/?api-version=2021-04-12&model-id=dtmi%3Aa%3Bb&auth-chain=leaf%3Bedge&x=1");
  ASSERT_TRUE(chained);
  EXPECT_EQ(chained->auth_chain, "leaf;edge");
  EXPECT_EQ(chained->model_id, "dtmi:a;b");
  EXPECT_EQ(format_mqtt_username("h", {"leaf", std::nullopt}, "2021-04-12", "leaf;edge"),
            "h/leaf/?api-version=2021-04-12&auth-chain=leaf%3Bedge");
}

TEST(MqttUsername, NamesWhatIsWrong) {
  EXPECT_EQ(parse_mqtt_username("h/d").error(),
            "user name has 2 segments; expected {host}/{device}[/{module}]/?api-version=...");
  EXPECT_EQ(parse_mqtt_username("h/d/m/x/?api-version=1").error(),
            "user name has 5 segments; expected {host}/{device}[/{module}]/?api-version=...");
  EXPECT_EQ(parse_mqtt_username("h/d/m").error(), "user name does not end with ?api-version=...");
  EXPECT_EQ(parse_mqtt_username("h/d/?api-version=").error(), "user name has no api-version");
  EXPECT_EQ(parse_mqtt_username("h//?api-version=1").error(), "user name has an empty device or module id");
}

TEST(MqttUsername, HostMustNameTheHubInAnyCase) {
  const std::vector<std::string> hub{"myhub.local", "gw.local"};
  EXPECT_TRUE(host_accepted("myhub.local", hub));
  EXPECT_TRUE(host_accepted("MyHub.LOCAL", hub));  // DNS names are case-insensitive
  EXPECT_TRUE(host_accepted("gw.local", hub));
  EXPECT_FALSE(host_accepted("evil.example", hub));
  EXPECT_FALSE(host_accepted("myhub.local.evil.example", hub));
  EXPECT_FALSE(host_accepted("", hub));
  EXPECT_FALSE(host_accepted("myhub.local", {}));
}

// What the server publishes, read back: each formatter's output parses to what went in.
// The parsed parts are views into the topic text, so each topic is kept alive.
TEST(ServerTopics, ParseBackWhatTheFormattersMake) {
  const Identity module{"edge1", "B"};
  const std::string input_text = input_topic(module, "in1", "%24.mid=m1&k=v");
  const auto input = parse_server_topic(input_text);
  ASSERT_TRUE(std::holds_alternative<InputTopic>(input));
  EXPECT_EQ(std::get<InputTopic>(input).input, "in1");
  EXPECT_EQ(std::get<InputTopic>(input).bag, "%24.mid=m1&k=v");
  const std::string c2d_text = c2d_topic("leaf", "%24.to=x");
  const auto c2d = parse_server_topic(c2d_text);
  ASSERT_TRUE(std::holds_alternative<C2dTopic>(c2d));
  EXPECT_EQ(std::get<C2dTopic>(c2d).bag, "%24.to=x");
  const std::string twin_text = twin_response_topic(204, "7", 12);
  const auto twin = parse_server_topic(twin_text);
  ASSERT_TRUE(std::holds_alternative<TwinResponseTopic>(twin));
  EXPECT_EQ(std::get<TwinResponseTopic>(twin).status, 204);
  EXPECT_EQ(std::get<TwinResponseTopic>(twin).rid, "7");
  EXPECT_EQ(std::get<TwinResponseTopic>(twin).version, 12);
  const std::string unversioned_text = twin_response_topic(200, "8");
  const auto unversioned = parse_server_topic(unversioned_text);
  ASSERT_TRUE(std::holds_alternative<TwinResponseTopic>(unversioned));
  EXPECT_FALSE(std::get<TwinResponseTopic>(unversioned).version.has_value());
  const std::string desired_text = twin_desired_topic(5);
  const auto desired = parse_server_topic(desired_text);
  ASSERT_TRUE(std::holds_alternative<TwinDesiredTopic>(desired));
  EXPECT_EQ(std::get<TwinDesiredTopic>(desired).version, 5);
  const std::string method_text = method_request_topic("ping", "a1");
  const auto method = parse_server_topic(method_text);
  ASSERT_TRUE(std::holds_alternative<MethodRequestTopic>(method));
  EXPECT_EQ(std::get<MethodRequestTopic>(method).method, "ping");
  EXPECT_EQ(std::get<MethodRequestTopic>(method).rid, "a1");
}

TEST(ServerTopics, BrokenOnesAreUnknown) {
  for (const char* topic : {"$iothub/twin/res/x/?$rid=1", "$iothub/twin/res/200/", "$iothub/twin/res/200/?$rid=1&$version=v",
                            "$iothub/methods/POST//?$rid=1", "$iothub/methods/POST/m/", "devices/d/modules/m/inputs//x",
                            "devices/d/modules/m/outputs/o/", "plain/topic", "devices/d"})
    EXPECT_TRUE(std::holds_alternative<UnknownTopic>(parse_server_topic(topic))) << topic;
  const auto bare = parse_server_topic("devices/d/messages/devicebound");
  ASSERT_TRUE(std::holds_alternative<C2dTopic>(bare));
  EXPECT_TRUE(std::get<C2dTopic>(bare).bag.empty());
}

}  // namespace
}  // namespace outpost::iothub
