// The operations behind the management API (src/hub/edge_hub_operations.cpp): twins and
// desired pushes, direct methods to a connected module, C2D to a leaf device, status and
// module tokens — with the clients played by FakeConnections.
#include <gtest/gtest.h>

#include "hub/hub_test_util.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/topics.h"

namespace outpost::hub::testing {
namespace {

using nlohmann::json;

class EdgeHubOperationsTest : public EdgeHubTest {
 protected:
  // Calls a method on `target`; the result lands in `result`.
  void invoke(const TestIdentity& target, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    iothub::MethodRequest request;
    request.method = "reboot";
    request.payload_json = R"({"delay":1})";
    request.response_timeout = timeout;
    hub_->invoke_method(target.identity, std::move(request), [this](iothub::MethodResult r) { result_ = std::move(r); });
  }
  std::optional<iothub::MethodResult> result_;
};

TEST_F(EdgeHubOperationsTest, TwinShowsPropertiesVersionAndConnectionState) {
  auto t = hub_->twin(kModuleA.identity);
  EXPECT_EQ(t["deviceId"], "edge1");
  EXPECT_EQ(t["moduleId"], "A");
  EXPECT_EQ(t["connectionState"], "Disconnected");
  EXPECT_EQ(t["version"], 2);
  auto a = connect(kModuleA);
  a->send_publish("$iothub/twin/PATCH/properties/reported/?$rid=1", R"({"fw":"1"})", 0);
  t = hub_->twin(kModuleA.identity);
  EXPECT_EQ(t["connectionState"], "Connected");
  EXPECT_EQ(t["properties"]["reported"]["fw"], "1");
  EXPECT_EQ(t["version"], 3);
  EXPECT_FALSE(hub_->twin(kLeaf.identity).contains("moduleId"));
}

TEST_F(EdgeHubOperationsTest, DesiredUpdatesReachOnlyASubscribedClient) {
  auto a = connect(kModuleA);
  ASSERT_EQ(version_of(hub_->update_desired(kModuleA.identity, {{"rate", 5}}, false)), 2);
  EXPECT_TRUE(a->published().empty()) << "not subscribed to desired patches yet";
  a->subscribe({"$iothub/twin/PATCH/properties/desired/#"});
  ASSERT_EQ(version_of(hub_->update_desired(kModuleA.identity, {{"mode", "eco"}}, false)), 3);
  ASSERT_EQ(version_of(hub_->update_desired(kModuleA.identity, {{"only", true}}, /*replace=*/true)), 4);
  ASSERT_EQ(a->published().size(), 2u);
  EXPECT_EQ(a->published()[0].topic, "$iothub/twin/PATCH/properties/desired/?$version=3");
  EXPECT_EQ(json::parse(a->published()[0].payload), json::parse(R"({"mode":"eco","$version":3})"));
  EXPECT_EQ(json::parse(a->published()[1].payload), json::parse(R"({"only":true,"$version":4})"))
      << "a replacement sends the whole desired document";
  const auto refused = hub_->update_desired(kModuleA.identity, {{"bad$key", 1}}, false);
  EXPECT_FALSE(refused);
  EXPECT_EQ(a->published().size(), 2u);
}

TEST_F(EdgeHubOperationsTest, AMethodGoesToTheSubscribedModuleAndItsAnswerComesBack) {
  auto a = connect(kModuleA);
  a->subscribe({"$iothub/methods/POST/#"});
  invoke(kModuleA);
  ASSERT_EQ(a->published().size(), 1u);
  const auto& request = a->published()[0];
  ASSERT_EQ(request.topic.rfind("$iothub/methods/POST/reboot/?$rid=", 0), 0u) << request.topic;
  EXPECT_EQ(json::parse(request.payload), json::parse(R"({"delay":1})"));
  const auto rid = *iothub::query_parameter(request.topic, "$rid");
  // Another client cannot answer for A.
  auto b = connect(kModuleB);
  b->send_publish("$iothub/methods/res/200/?$rid=" + rid, R"({"forged":true})", 0);
  EXPECT_FALSE(result_);
  a->send_publish("$iothub/methods/res/201/?$rid=" + rid, R"({"done":true})", 0);
  ASSERT_TRUE(result_);
  EXPECT_EQ(result_->status, 201);
  EXPECT_TRUE(result_->from_device);
  EXPECT_EQ(json::parse(result_->payload_json), json::parse(R"({"done":true})"));
  EXPECT_EQ(metrics_.direct_methods("management", "edge1/A").value(), 1);
}

TEST_F(EdgeHubOperationsTest, AMethodForAnAbsentOrDeafModuleIs404) {
  invoke(kModuleA);
  ASSERT_TRUE(result_);
  EXPECT_EQ(result_->status, 404);
  result_.reset();
  auto a = connect(kModuleA);  // connected, not subscribed to methods
  invoke(kModuleA);
  ASSERT_TRUE(result_);
  EXPECT_EQ(result_->status, 404);
  EXPECT_TRUE(a->published().empty());
}

TEST_F(EdgeHubOperationsTest, AMethodEndsWhenItsTargetDisconnectsOrTimesOut) {
  auto a = connect(kModuleA);
  a->subscribe({"$iothub/methods/POST/#"});
  invoke(kModuleA);
  a->drop(mqtt::CloseReason::transport_error);
  ASSERT_TRUE(result_) << "the call ends with the connection, not at its timeout";
  EXPECT_EQ(result_->status, 404);
  result_.reset();
  auto again = connect(kModuleA);
  again->subscribe({"$iothub/methods/POST/#"});
  invoke(kModuleA, std::chrono::seconds(0));  // a timeout that is already over
  EXPECT_FALSE(result_);
  loop_.poll();
  ASSERT_TRUE(result_);
  EXPECT_EQ(result_->status, 504);
  EXPECT_FALSE(result_->from_device);
}

TEST_F(EdgeHubOperationsTest, CloudToDeviceMessagesReachASubscribedLeafDevice) {
  Message m;
  m.body = "open the valve";
  m.application.set("colour", "blue");
  using Relay = EdgeHub::C2dRelay;
  EXPECT_EQ(hub_->send_c2d("leaf1", m), Relay::not_connected);
  auto leaf = connect(kLeaf);
  EXPECT_EQ(hub_->send_c2d("leaf1", m), Relay::not_connected) << "connected but not subscribed";
  leaf->subscribe({"devices/leaf1/messages/devicebound/#"});
  ASSERT_EQ(hub_->send_c2d("leaf1", m), Relay::relayed);
  m.system.set(std::string(sysprop::kMessageId), "c2d-1");
  ASSERT_EQ(hub_->send_c2d("leaf1", m), Relay::relayed);
  ASSERT_EQ(leaf->published().size(), 2u);
  const auto& first = leaf->published()[0];
  EXPECT_EQ(first.payload, "open the valve");
  EXPECT_EQ(first.qos, 1);
  EXPECT_EQ(first.topic.rfind("devices/leaf1/messages/devicebound/", 0), 0u) << first.topic;
  EXPECT_NE(first.topic.find("%24.mid="), std::string::npos) << "a message id is generated: " << first.topic;
  EXPECT_NE(first.topic.find("colour=blue"), std::string::npos) << first.topic;
  EXPECT_NE(leaf->published()[1].topic.find("%24.mid=c2d-1"), std::string::npos) << leaf->published()[1].topic;
}

// The hub relays C2D live: a message whose $.exp has passed by the hub's clock is dropped.
TEST_F(EdgeHubOperationsTest, ACloudToDeviceMessageThatHasExpiredIsDroppedAndCounted) {
  auto leaf = connect(kLeaf);
  leaf->subscribe({"devices/leaf1/messages/devicebound/#"});
  Message m;
  m.body = "valve";
  m.system.set(std::string(sysprop::kExpiryTime), format_iso8601(clock_.now() + std::chrono::seconds(1)));
  EXPECT_EQ(hub_->send_c2d("leaf1", m), EdgeHub::C2dRelay::relayed);
  clock_.advance(std::chrono::seconds(1));
  EXPECT_EQ(hub_->send_c2d("leaf1", m), EdgeHub::C2dRelay::expired) << "expiry is inclusive, as the store's TTL";
  EXPECT_EQ(leaf->published().size(), 1u);
  EXPECT_EQ(dropped("ttl_expiry", "$c2d"), 1);
  m.system.set(std::string(sysprop::kExpiryTime), "not a time");
  EXPECT_EQ(hub_->send_c2d("leaf1", m), EdgeHub::C2dRelay::relayed) << "an unreadable $.exp from upstream is relayed";
}

TEST_F(EdgeHubOperationsTest, StatusListsClientsQueuesAndTheUpstreamMode) {
  apply_routes({{"AtoB", R"(FROM /messages/modules/A/* INTO BrokeredEndpoint("/modules/B/inputs/in1"))"}});
  auto a = connect(kModuleA);
  connect(kLeaf);
  a->send_publish(telemetry_topic(kModuleA), "waiting", 1);
  const auto s = hub_->status();
  EXPECT_EQ(s.connected_clients, 2u);
  EXPECT_EQ(s.upstream, "standalone");
  ASSERT_EQ(s.queues.size(), 1u);
  EXPECT_EQ(s.queues[0].name, "edge1/B/in1_Pri2000000000") << "a route without priority has edgeHub's default";
  EXPECT_EQ(s.queues[0].length, 1u);
  EXPECT_GT(s.store_bytes, 0u);
}

TEST_F(EdgeHubOperationsTest, VerifiesAModulesOwnTokenByTheClock) {
  const auto token = *build_sas_token(device_resource_uri(kHostname, "edge1", std::string("A")), kModuleA.key,
                                      clock_.unix_seconds() + 60);
  EXPECT_TRUE(hub_->verify_token(kModuleA.identity, token));
  EXPECT_FALSE(hub_->verify_token(kModuleB.identity, token)) << "A's token does not name B";
  const TestIdentity stranger{{kEdgeDevice, std::string("Z")}, test_key('z')};
  EXPECT_FALSE(hub_->verify_token(stranger.identity, token));
  clock_.advance(std::chrono::seconds(60 + 301));
  EXPECT_FALSE(hub_->verify_token(kModuleA.identity, token));
}

}  // namespace
}  // namespace outpost::hub::testing
