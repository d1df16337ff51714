// outpost-cloud's device-facing MQTT endpoint driven by our blocking test client, packet by
// packet: direct devices (telemetry acknowledged once stored, twins, sessions, takeover),
// an edge hub's on-behalf-of connections (telemetry, direct methods, C2D and desired
// patches for its leaf devices and modules), refusals, and disconnection on disable.
#include <gtest/gtest.h>

#include <future>

#include "cloud/cloud_process.h"
#include "outpost/iothub/topics.h"
#include "support/mqtt_test_client.h"

namespace outpost::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using mqtt::ConnectPacket;
using mqtt::PublishPacket;
using mqtt::SubscribePacket;

class CloudMqttTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cloud.start();
    ASSERT_EQ(cloud.api("PUT", "/devices/edge1", json{{"capabilities", {{"iotEdge", true}}}}).status, 200);
    const auto scope = cloud.api("GET", "/devices/edge1").body["deviceScope"].get<std::string>();
    ASSERT_EQ(cloud.api("PUT", "/devices/leaf1", json{{"deviceScope", scope}}).status, 200);
    ASSERT_EQ(cloud.api("PUT", "/devices/loner", json::object()).status, 200);
    ASSERT_EQ(cloud.api("PUT", "/devices/edge1/modules/modA", json::object()).status, 200);
  }

  // Connects `who`; with `chain`, as edge1's hub on its behalf (edge1/$edgeHub's token).
  std::unique_ptr<MqttTestClient> connect(const iothub::Identity& who, std::optional<std::string> chain = std::nullopt,
                                          bool clean = false, mqtt::ConnectReturnCode expect = mqtt::ConnectReturnCode::accepted) {
    auto client = std::make_unique<MqttTestClient>();
    EXPECT_TRUE(client->connect_tcp("127.0.0.1", cloud.mqtt_port()));
    ConnectPacket c;
    c.client_id = who.id();
    c.clean_session = clean;
    c.keep_alive_secs = 60;
    c.username = cloud.username(who, chain);
    const iothub::Identity signer = chain ? iothub::Identity{"edge1", std::string("$edgeHub")} : who;
    c.password = cloud.token(signer, cloud.key_of(signer));
    auto ack = client->handshake(c);
    EXPECT_TRUE(ack.has_value()) << client->last_error();
    if (ack) {
      EXPECT_EQ(ack->return_code, expect) << who.id() << "\n" << cloud.log();
    }
    return client;
  }

  static void subscribe(MqttTestClient& client, const std::string& filter, std::uint16_t id = 1) {
    client.send(SubscribePacket{id, {{filter, 1}}});
    auto ack = client.receive_a<mqtt::SubackPacket>();
    ASSERT_TRUE(ack.has_value());
    ASSERT_EQ(ack->return_codes.at(0), 1u) << filter;
  }

  static std::optional<PublishPacket> publish_on(MqttTestClient& client, const std::string& prefix,
                                                 std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto p = client.receive_a<PublishPacket>(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!p) return std::nullopt;
      if (p->topic.rfind(prefix, 0) == 0) return p;
    }
    return std::nullopt;
  }

  json events(const std::string& device) {
    const auto r = cloud.api("GET", "/events?from=start&deviceId=" + device);
    EXPECT_EQ(r.status, 200) << r.text;
    return r.body["events"];
  }

  CloudProcess cloud;
};

TEST_F(CloudMqttTest, DirectTelemetryIsAcknowledgedOnceStored) {
  auto leaf = connect({"leaf1", std::nullopt});
  leaf->send(PublishPacket{"devices/leaf1/messages/events/%24.mid=m1&%24.ct=application%2Fjson&%24.ce=utf-8&k=v%20w",
                           R"({"t":1})", 1, false, false, 7});
  auto ack = leaf->receive_a<mqtt::PubackPacket>();
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->packet_id, 7);
  // The PUBACK came after the event was durable: it is readable right away.
  const auto list = events("leaf1");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["systemProperties"]["messageId"], "m1");
  EXPECT_EQ(list[0]["systemProperties"]["connectionDeviceId"], "leaf1");
  EXPECT_EQ(list[0]["applicationProperties"]["k"], "v w");
  EXPECT_EQ(list[0]["body"]["t"], 1);
  const auto device = cloud.api("GET", "/devices/leaf1").body;
  EXPECT_EQ(device["connectionState"], "Connected");
  EXPECT_NE(device["lastActivityTime"], "0001-01-01T00:00:00Z");
  EXPECT_NE(device["connectionStateUpdatedTime"], "0001-01-01T00:00:00Z");
  // Telemetry as someone else closes the connection.
  leaf->send(PublishPacket{"devices/loner/messages/events/", "x", 1, false, false, 8});
  EXPECT_TRUE(leaf->wait_closed());
}

TEST_F(CloudMqttTest, TwinGetAndReportedPatch) {
  ASSERT_EQ(cloud.api("PATCH", "/twins/leaf1", json{{"properties", {{"desired", {{"interval", 5}}}}}}).status, 200);
  auto leaf = connect({"leaf1", std::nullopt});
  subscribe(*leaf, "$iothub/twin/res/#");
  leaf->send(PublishPacket{"$iothub/twin/GET/?$rid=1", "", 0});
  auto got = publish_on(*leaf, "$iothub/twin/res/200/");
  ASSERT_TRUE(got.has_value());
  const auto twin = json::parse(got->payload);
  EXPECT_EQ(twin["desired"]["interval"], 5);
  EXPECT_EQ(twin["reported"]["$version"], 1);

  leaf->send(PublishPacket{"$iothub/twin/PATCH/properties/reported/?$rid=2", R"({"fw":"2.0"})", 0});
  auto patched = publish_on(*leaf, "$iothub/twin/res/204/");
  ASSERT_TRUE(patched.has_value());
  EXPECT_EQ(patched->topic, "$iothub/twin/res/204/?$rid=2&$version=2");
  EXPECT_EQ(cloud.api("GET", "/twins/leaf1").body["properties"]["reported"]["fw"], "2.0");

  leaf->send(PublishPacket{"$iothub/twin/PATCH/properties/reported/?$rid=3", R"({"bad.key":1})", 0});
  auto refused = publish_on(*leaf, "$iothub/twin/res/400/");
  ASSERT_TRUE(refused.has_value());
  EXPECT_TRUE(json::parse(refused->payload).contains("errorCode"));
}

TEST_F(CloudMqttTest, SessionsSurviveReconnectsAndANewConnectionTakesOver) {
  {
    auto first = connect({"leaf1", std::nullopt});
    subscribe(*first, "$iothub/twin/res/#");
    auto second = connect({"leaf1", std::nullopt});
    EXPECT_TRUE(first->wait_closed()) << "the older connection must be closed";
    // The session (clean=0) kept the twin subscription: no SUBSCRIBE needed.
    second->send(PublishPacket{"$iothub/twin/GET/?$rid=9", "", 0});
    EXPECT_TRUE(publish_on(*second, "$iothub/twin/res/200/").has_value());
  }
  auto clean = connect({"leaf1", std::nullopt}, std::nullopt, true);
  clean->send(PublishPacket{"$iothub/twin/GET/?$rid=10", "", 0});
  EXPECT_FALSE(publish_on(*clean, "$iothub/twin/res/", 500ms).has_value());
}

TEST_F(CloudMqttTest, EdgeHubActsForItsLeafAndModule) {
  auto for_leaf = connect({"leaf1", std::nullopt}, std::string("leaf1;edge1"));
  auto for_module = connect({"edge1", std::string("modA")}, std::string("edge1/modA;edge1"));

  // Telemetry on behalf of both, attributed to the downstream identities.
  for_leaf->send(PublishPacket{"devices/leaf1/messages/events/%24.mid=l1", "from leaf", 1, false, false, 1});
  for_module->send(PublishPacket{"devices/edge1/modules/modA/messages/events/%24.mid=a1&%24.on=out1", "from module", 1,
                                 false, false, 1});
  ASSERT_TRUE(for_leaf->receive_a<mqtt::PubackPacket>().has_value());
  ASSERT_TRUE(for_module->receive_a<mqtt::PubackPacket>().has_value());
  const auto module_events = events("edge1");
  ASSERT_EQ(module_events.size(), 1u);
  EXPECT_EQ(module_events[0]["moduleId"], "modA");
  EXPECT_EQ(module_events[0]["systemProperties"]["connectionModuleId"], "modA");
  EXPECT_EQ(events("leaf1").size(), 1u);

  // A direct method to the leaf arrives on its on-behalf-of connection; the answer returns.
  subscribe(*for_leaf, "$iothub/methods/POST/#");
  auto call = std::async(std::launch::async, [&] {
    return cloud.api("POST", "/twins/leaf1/methods?api-version=2021-04-12",
                     json{{"methodName", "ping"}, {"payload", {{"n", 1}}}, {"responseTimeoutInSeconds", 10}});
  });
  auto request = publish_on(*for_leaf, "$iothub/methods/POST/ping/");
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(json::parse(request->payload)["n"], 1);
  const auto rid = *iothub::query_parameter(request->topic, "$rid");
  for_leaf->send(PublishPacket{"$iothub/methods/res/201/?$rid=" + rid, R"({"pong":true})", 0});
  const auto answer = call.get();
  ASSERT_EQ(answer.status, 200) << answer.text;
  EXPECT_EQ(answer.body["status"], 201);
  EXPECT_EQ(answer.body["payload"]["pong"], true);

  // C2D to the leaf through the hub's connection; the PUBACK completes it.
  subscribe(*for_leaf, "devices/leaf1/messages/devicebound/#", 2);
  ASSERT_EQ(cloud.api("POST", "/devices/leaf1/messages/devicebound", std::string("hello"),
                      {{"iothub-messageid", "c1"}, {"iothub-app-x", "y"}}).status, 202);
  auto c2d = publish_on(*for_leaf, "devices/leaf1/messages/devicebound/");
  ASSERT_TRUE(c2d.has_value());
  EXPECT_EQ(c2d->payload, "hello");
  EXPECT_NE(c2d->topic.find("%24.mid=c1"), std::string::npos) << c2d->topic;
  EXPECT_NE(c2d->topic.find("x=y"), std::string::npos) << c2d->topic;
  for_leaf->send(mqtt::PubackPacket{c2d->packet_id});
  EXPECT_TRUE(wait_until([&] { return cloud.api("GET", "/devices/leaf1").body["cloudToDeviceMessageCount"] == 0; }));

  // A desired patch for the module reaches it through the hub's connection.
  subscribe(*for_module, "$iothub/twin/PATCH/properties/desired/#");
  ASSERT_EQ(cloud.api("PATCH", "/twins/edge1/modules/modA", json{{"properties", {{"desired", {{"speed", 3}}}}}}).status, 200);
  auto desired = publish_on(*for_module, "$iothub/twin/PATCH/properties/desired/");
  ASSERT_TRUE(desired.has_value());
  EXPECT_EQ(json::parse(desired->payload)["speed"], 3);
}

TEST_F(CloudMqttTest, OnBehalfOfIsRefusedOutsideTheScope) {
  connect({"loner", std::nullopt}, std::string("loner;edge1"), false, mqtt::ConnectReturnCode::not_authorized);
  connect({"leaf1", std::nullopt}, std::string("leaf1;loner"), false, mqtt::ConnectReturnCode::not_authorized);
  EXPECT_NE(cloud.log().find("not in the scope of edge device 'edge1'"), std::string::npos);
}

TEST_F(CloudMqttTest, MethodsToOfflineOrSilentTargets) {
  const auto offline = cloud.api("POST", "/twins/leaf1/methods", json{{"methodName", "m"}, {"responseTimeoutInSeconds", 5}});
  EXPECT_EQ(offline.status, 404);
  EXPECT_EQ(offline.body["Message"].get<std::string>().rfind("ErrorCode:DeviceNotOnline;", 0), 0u);
  auto leaf = connect({"leaf1", std::nullopt});
  subscribe(*leaf, "$iothub/methods/POST/#");
  const auto silent = cloud.api("POST", "/twins/leaf1/methods", json{{"methodName", "m"}, {"responseTimeoutInSeconds", 5}});
  EXPECT_EQ(silent.status, 504) << silent.text;
  EXPECT_EQ(cloud.api("POST", "/twins/nobody/methods", json{{"methodName", "m"}}).status, 404);
}

TEST_F(CloudMqttTest, AMethodInFlightEndsWhenItsTargetDisconnects) {
  auto leaf = connect({"leaf1", std::nullopt});
  subscribe(*leaf, "$iothub/methods/POST/#");
  const auto started = std::chrono::steady_clock::now();
  auto call = std::async(std::launch::async, [&] {
    return cloud.api("POST", "/twins/leaf1/methods", json{{"methodName", "m"}, {"responseTimeoutInSeconds", 60}});
  });
  ASSERT_TRUE(publish_on(*leaf, "$iothub/methods/POST/m/").has_value());
  leaf.reset();  // drops the connection without answering
  const auto answer = call.get();
  EXPECT_EQ(answer.status, 404) << answer.text;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

TEST_F(CloudMqttTest, DisablingADeviceDisconnectsItAndItsOnBehalfOfConnections) {
  auto leaf = connect({"leaf1", std::nullopt});
  auto module = connect({"edge1", std::string("modA")}, std::string("edge1/modA;edge1"));
  ASSERT_EQ(cloud.api("PUT", "/devices/leaf1", json{{"status", "disabled"}}, {{"If-Match", "*"}}).status, 200);
  EXPECT_TRUE(leaf->wait_closed());
  ASSERT_EQ(cloud.api("PUT", "/devices/edge1", json{{"status", "disabled"}, {"capabilities", {{"iotEdge", true}}}},
                      {{"If-Match", "*"}}).status, 200);
  EXPECT_TRUE(module->wait_closed());
  connect({"leaf1", std::nullopt}, std::nullopt, false, mqtt::ConnectReturnCode::not_authorized);
}

}  // namespace
}  // namespace outpost::testing

namespace outpost::testing {
namespace {

TEST_F(CloudMqttTest, OutpostCloudMonitorPrintsEventsAsJsonLines) {
  const auto cs = std::string("HostName=") + CloudProcess::kHostname +
                  ";SharedAccessKeyName=iothubowner;SharedAccessKey=" + cloud.owner_key();
  const auto out = cloud.dir() + "/monitor.out";
  Process monitor({built_binary("outpost"), "cloud", "monitor", "--connection-string", cs, "--url",
                   "http://127.0.0.1:" + std::to_string(cloud.http_port()), "--device", "leaf1", "--from", "start",
                   "--count", "2"},
                  out);
  auto leaf = connect({"leaf1", std::nullopt});
  auto loner = connect({"loner", std::nullopt});
  loner->send(PublishPacket{"devices/loner/messages/events/", "not for the monitor", 1, false, false, 1});
  leaf->send(PublishPacket{"devices/leaf1/messages/events/%24.mid=a", R"({"n":1})", 1, false, false, 1});
  leaf->send(PublishPacket{"devices/leaf1/messages/events/%24.mid=b", "text body", 1, false, false, 2});
  const auto status = monitor.wait(15s);
  ASSERT_TRUE(status.has_value()) << "outpost cloud monitor did not exit after 2 events:\n" << monitor.log();
  EXPECT_EQ(*status, 0) << monitor.log();
  const auto text = read_file(out);
  const auto newline = text.find('\n');
  ASSERT_NE(newline, std::string::npos) << text;
  const auto first = json::parse(text.substr(0, newline));
  const auto second = json::parse(text.substr(newline + 1, text.find('\n', newline + 1) - newline - 1));
  EXPECT_EQ(first["systemProperties"]["messageId"], "a");
  EXPECT_EQ(first["body"]["n"], 1);
  EXPECT_EQ(second["body"], "text body");
  EXPECT_EQ(second["deviceId"], "leaf1");
}

}  // namespace
}  // namespace outpost::testing
