// EdgeHub as an mqtt::Handler, driven with FakeConnections (src/hub/edge_hub.cpp): who may
// connect (tokens judged by the hub's Clock), takeover, clean and persistent sessions,
// which subscriptions a client may make, and wills only when a connection ends in error.
#include <gtest/gtest.h>

#include "hub/hub_test_util.h"
#include "outpost/iothub/username.h"

namespace outpost::hub::testing {
namespace {

using mqtt::CloseReason;
using mqtt::ConnectReturnCode;

const std::string kToB = R"(FROM /messages/modules/A/* INTO BrokeredEndpoint("/modules/B/inputs/in1"))";

class EdgeHubConnectTest : public EdgeHubTest {};

TEST_F(EdgeHubConnectTest, AcceptsAValidTokenAndRefusesOthersWithTheRightCode) {
  auto ok = FakeConnection::make(hub_.get());
  EXPECT_EQ(ok->connect(connect_packet(kModuleA, clock_.unix_seconds() + 60)).code, ConnectReturnCode::accepted);
  EXPECT_EQ(metrics_.connect_success("edge1/A").value(), 1);

  auto wrong_key = FakeConnection::make(hub_.get());
  EXPECT_EQ(wrong_key->connect(connect_packet(kModuleB, clock_.unix_seconds() + 60, true, kHostname, kModuleA.key)).code,
            ConnectReturnCode::not_authorized);
  EXPECT_FALSE(wrong_key->open()) << "a refused connection is closed after its CONNACK";
  const TestIdentity stranger{{kEdgeDevice, std::string("Z")}, test_key('z')};
  auto unknown = FakeConnection::make(hub_.get());
  EXPECT_EQ(unknown->connect(connect_packet(stranger, clock_.unix_seconds() + 60)).code, ConnectReturnCode::not_authorized);
  auto spoofed = FakeConnection::make(hub_.get());
  auto packet = connect_packet(kModuleA, clock_.unix_seconds() + 60);
  packet.client_id = "edge1/B";
  EXPECT_EQ(spoofed->connect(packet).code, ConnectReturnCode::identifier_rejected);
  EXPECT_EQ(metrics_.connect_failed("edge1/B", "auth").value(), 2);
  EXPECT_EQ(metrics_.connect_failed("edge1/Z", "auth").value(), 1);
  EXPECT_EQ(hub_->status().clients, std::vector<std::string>{"edge1/A"});
}

TEST_F(EdgeHubConnectTest, AUserNameForAnotherHubIsRefusedWithCode5) {
  auto packet = connect_packet(kLeaf, clock_.unix_seconds() + 60);  // a valid token for this hub
  packet.username = iothub::format_mqtt_username("other.hub", kLeaf.identity, iothub::kApiVersion);
  auto c = FakeConnection::make(hub_.get());
  EXPECT_EQ(c->connect(packet).code, ConnectReturnCode::not_authorized);
  EXPECT_EQ(metrics_.connect_failed("leaf1", "auth").value(), 1);
  packet.username = iothub::format_mqtt_username("GATEWAY.LOCAL", kLeaf.identity, iothub::kApiVersion);
  EXPECT_EQ(FakeConnection::make(hub_.get())->connect(packet).code, ConnectReturnCode::accepted)
      << "the gateway host name, in any case";
}

TEST_F(EdgeHubConnectTest, TokenExpiryIsJudgedByTheHubsClock) {
  const auto token = connect_packet(kLeaf, clock_.unix_seconds() + 60);
  clock_.advance(std::chrono::seconds(60 + 300));  // expiry plus the allowed skew: still valid
  EXPECT_EQ(FakeConnection::make(hub_.get())->connect(token).code, ConnectReturnCode::accepted);
  clock_.advance(std::chrono::seconds(2));
  EXPECT_EQ(FakeConnection::make(hub_.get())->connect(token).code, ConnectReturnCode::not_authorized);
}

TEST_F(EdgeHubConnectTest, ASecondConnectionOfOneIdentityClosesTheFirst) {
  auto first = connect(kModuleA);
  auto second = connect(kModuleA);
  EXPECT_EQ(first->close_reason(), CloseReason::taken_over);
  EXPECT_TRUE(second->open());
  EXPECT_EQ(hub_->status().clients, std::vector<std::string>{"edge1/A"});
  // The hub still talks to the new connection: a twin GET is answered there.
  second->send_publish("$iothub/twin/GET/?$rid=1", "", 0);
  ASSERT_EQ(second->published().size(), 1u);
  EXPECT_EQ(second->published()[0].topic, "$iothub/twin/res/200/?$rid=1");
  EXPECT_TRUE(first->published().empty());
  EXPECT_EQ(metrics_.disconnect("edge1/A").value(), 1);
}

TEST_F(EdgeHubConnectTest, ACleanSessionForgetsSubscriptionsAPersistentOneKeepsThem) {
  {
    auto a = connect(kModuleA, /*clean_session=*/false);
    a->subscribe({"$iothub/twin/PATCH/properties/desired/#"});
    a->drop(CloseReason::client_disconnect);
  }
  auto resumed = FakeConnection::make(hub_.get());
  EXPECT_TRUE(resumed->connect(connect_packet(kModuleA, clock_.unix_seconds() + 60, false)).session_present);
  // No SUBSCRIBE this time, as the SDKs do after a reconnect: desired patches still arrive.
  ASSERT_TRUE(hub_->update_desired(kModuleA.identity, {{"rate", 5}}, false));
  ASSERT_EQ(resumed->published().size(), 1u);
  EXPECT_EQ(resumed->published()[0].topic, "$iothub/twin/PATCH/properties/desired/?$version=2");
  resumed->drop(CloseReason::client_disconnect);

  auto clean = FakeConnection::make(hub_.get());
  EXPECT_FALSE(clean->connect(connect_packet(kModuleA, clock_.unix_seconds() + 60, true)).session_present);
  ASSERT_TRUE(hub_->update_desired(kModuleA.identity, {{"rate", 6}}, false));
  EXPECT_TRUE(clean->published().empty()) << "a clean session starts without subscriptions";
  clean->drop(CloseReason::client_disconnect);
  auto after_clean = FakeConnection::make(hub_.get());
  EXPECT_FALSE(after_clean->connect(connect_packet(kModuleA, clock_.unix_seconds() + 60, false)).session_present)
      << "the clean session erased the stored one";
}

TEST_F(EdgeHubConnectTest, APersistentSessionSurvivesAHubRestart) {
  connect(kModuleA, false)->subscribe({"$iothub/twin/PATCH/properties/desired/#"});
  restart_hub();
  auto a = FakeConnection::make(hub_.get());
  EXPECT_TRUE(a->connect(connect_packet(kModuleA, clock_.unix_seconds() + 60, false)).session_present);
  ASSERT_TRUE(hub_->update_desired(kModuleA.identity, {{"rate", 5}}, false));
  EXPECT_EQ(a->published().size(), 1u);
}

TEST_F(EdgeHubConnectTest, AResumedSessionGetsItsQueuedInputsOnlyAfterTheConnack) {
  apply_routes({{"AtoB", kToB}});
  connect_receiver(kModuleB, /*clean_session=*/false)->drop(CloseReason::transport_error);
  connect(kModuleA)->send_publish(telemetry_topic(kModuleA), "queued", 1);
  auto b = FakeConnection::make(hub_.get());
  ASSERT_TRUE(b->connect(connect_packet(kModuleB, clock_.unix_seconds() + 60, false)).session_present);
  EXPECT_TRUE(b->published().empty()) << "nothing may be published before the CONNACK";
  loop_.poll();
  EXPECT_EQ(payloads(*b), std::vector<std::string>{"queued"});
}

TEST_F(EdgeHubConnectTest, ClientsMaySubscribeOnlyToTheirOwnTopics) {
  auto a = connect(kModuleA);
  const std::vector<std::uint8_t> a_codes = a->subscribe({
      "devices/edge1/modules/A/#",                // its own inputs
      "devices/edge1/modules/A/inputs/#",         // the same, IoT Hub's other spelling
      "devices/edge1/modules/B/inputs/#",         // another module's inputs
      "devices/edge1/messages/devicebound/#",     // C2D is for devices, not modules
      "$iothub/twin/res/#", "$iothub/twin/PATCH/properties/desired/#", "$iothub/methods/POST/#",
      "devices/edge1/other/topic",                // not an IoT Hub topic (plain topics: edge_hub_plain_test)
  });
  EXPECT_EQ(a_codes, (std::vector<std::uint8_t>{1, 1, mqtt::kSubackFailure, mqtt::kSubackFailure, 1, 1, 1,
                                                mqtt::kSubackFailure}));
  auto leaf = connect(kLeaf);
  EXPECT_EQ(leaf->subscribe({"devices/leaf1/messages/devicebound/#", "devices/leaf2/messages/devicebound/#"}, 0),
            (std::vector<std::uint8_t>{0, mqtt::kSubackFailure}))
      << "granted QoS follows the request (at most 1); another device's C2D is refused";
}

TEST_F(EdgeHubConnectTest, UnsubscribingFromInputsStopsDelivery) {
  apply_routes({{"AtoB", kToB}});
  auto a = connect(kModuleA);
  auto b = connect_receiver(kModuleB);
  a->send_publish(telemetry_topic(kModuleA), "before", 1);
  ASSERT_EQ(payloads(*b), std::vector<std::string>{"before"});
  b->unsubscribe({"devices/edge1/modules/B/#"});
  loop_.poll();
  a->send_publish(telemetry_topic(kModuleA), "after", 1);
  loop_.poll();
  EXPECT_EQ(payloads(*b), std::vector<std::string>{"before"});
  EXPECT_EQ(waiting("edge1/B/in1"), 2u) << "both stay queued: 'before' was never acknowledged";
}

class EdgeHubWillTest : public EdgeHubTest {
 protected:
  EdgeHubWillTest() { apply_routes({{"AtoB", kToB}}); }
  const mqtt::Will will_{"devices/edge1/modules/A/messages/events/%24.on=status", "A is gone", 1, false};
};

TEST_F(EdgeHubWillTest, IsPublishedWhenTheConnectionEndsInError) {
  for (const auto reason : {CloseReason::transport_error, CloseReason::keep_alive_timeout, CloseReason::protocol_error})
    connect(kModuleA, true, will_)->drop(reason);
  auto b = connect_receiver(kModuleB);
  ASSERT_EQ(b->published().size(), 3u);
  for (const auto& p : b->published()) {
    EXPECT_EQ(p.payload, "A is gone");
    EXPECT_NE(p.topic.find("MessageType=Will"), std::string::npos) << p.topic;
    EXPECT_NE(p.topic.find("%24.cmid=A"), std::string::npos) << p.topic;
  }
}

TEST_F(EdgeHubWillTest, IsNotPublishedOnDisconnectTakeoverOrAServerClose) {
  connect(kModuleA, true, will_)->drop(CloseReason::client_disconnect);
  auto replaced = connect(kModuleA, true, will_);
  connect(kModuleA, true, will_)->drop(CloseReason::server_closed);
  EXPECT_EQ(replaced->close_reason(), CloseReason::taken_over);
  EXPECT_EQ(waiting("edge1/B/in1"), 0u);
}

TEST_F(EdgeHubWillTest, IsIgnoredUnlessItsTopicIsTheClientsOwnTelemetry) {
  const mqtt::Will as_b{"devices/edge1/modules/B/messages/events/", "spoofed", 1, false};
  const mqtt::Will elsewhere{"some/topic", "x", 0, false};
  connect(kModuleA, true, as_b)->drop(CloseReason::transport_error);
  connect(kModuleA, true, elsewhere)->drop(CloseReason::transport_error);
  EXPECT_EQ(waiting("edge1/B/in1"), 0u);
}

}  // namespace
}  // namespace outpost::hub::testing
