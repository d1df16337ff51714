// outpost-hub driven by our own blocking MQTT client, for what needs the process: sessions
// and twins across a restart, the management API on its HTTP listener, hub.yaml's store cap,
// malformed input on real sockets. The hub's logic itself (takeover, wills, delivery and
// redelivery, twins, methods, C2D, the management API, back-pressure, TTL) is tested in
// process, with fakes and a ManualClock: tests/hub/edge_hub*_test.cpp and the files beside.
#include <gtest/gtest.h>

#include "hub/hub_process.h"
#include "outpost/core/clock.h"
#include "outpost/core/sas_token.h"
#include "outpost/http_client/http_client.h"
#include "support/mqtt_test_client.h"

namespace outpost::testing {
namespace {

using namespace std::chrono_literals;
using mqtt::ConnectPacket;
using mqtt::PublishPacket;
using mqtt::SubscribePacket;

const HubIdentity kA{"edge1", "A", random_key()};
const HubIdentity kB{"edge1", "B", random_key()};
const HubIdentity kLeaf{"leaf1", "", random_key()};
const std::string kPolicyKey = random_key();
const std::string kManagement =
    "management: { policies: [ { name: iothubowner, primary_key: \"" + kPolicyKey + "\" } ] }\n";

std::unique_ptr<MqttTestClient> connect(HubProcess& hub, const HubIdentity& id, bool clean = false,
                                        std::optional<mqtt::Will> will = std::nullopt) {
  auto client = std::make_unique<MqttTestClient>();
  EXPECT_TRUE(client->connect_tcp("127.0.0.1", hub.mqtt_port()));
  ConnectPacket c;
  c.client_id = id.id();
  c.clean_session = clean;
  c.keep_alive_secs = 60;
  c.username = hub.username(id);
  c.password = hub.password(id);
  c.will = std::move(will);
  auto ack = client->handshake(c);
  EXPECT_TRUE(ack && ack->return_code == mqtt::ConnectReturnCode::accepted) << client->last_error();
  return client;
}

net::Headers service_auth() {
  auto token = build_sas_token(HubProcess::kHostname, kPolicyKey, SystemClock::instance().unix_seconds() + 600,
                               std::string_view("iothubowner"));
  return {{"Authorization", *token}, {"Content-Type", "application/json"}};
}

std::string api(HubProcess& hub, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(hub.metrics_port()) + path;
}

std::unique_ptr<HubProcess> make_hub(const nlohmann::json& routes, std::uint64_t max_bytes = 0) {
  auto hub = std::make_unique<HubProcess>(std::vector<HubIdentity>{kA, kB, kLeaf}, routes, kManagement, 7200, 0,
                                          max_bytes);
  hub->start();
  return hub;
}

TEST(HubBehaviour, PersistentSessionKeepsTwinSubscriptionsAcrossHubRestart) {
  auto hub = make_hub({{"r", "FROM /* INTO $upstream"}});
  {
    auto client = connect(*hub, kA);
    client->send(SubscribePacket{1, {{"$iothub/twin/res/#", 0}, {"$iothub/twin/PATCH/properties/desired/#", 0}}});
    ASSERT_TRUE(client->receive_a<mqtt::SubackPacket>());
  }
  hub->stop();
  hub->start();
  auto client = std::make_unique<MqttTestClient>();
  ASSERT_TRUE(client->connect_tcp("127.0.0.1", hub->mqtt_port()));
  ConnectPacket c;
  c.client_id = kA.id();
  c.clean_session = false;
  c.username = hub->username(kA);
  c.password = hub->password(kA);
  auto ack = client->handshake(c);
  ASSERT_TRUE(ack);
  EXPECT_TRUE(ack->session_present);
  // No SUBSCRIBE this time, as the official SDKs do after a reconnect.
  client->send(PublishPacket{"$iothub/twin/PATCH/properties/reported/?$rid=r1", R"({"fw":"2.0"})", 0});
  auto patched = client->receive_a<PublishPacket>();
  ASSERT_TRUE(patched) << "no twin response after the restart: " << client->last_error() << hub->log();
  EXPECT_EQ(patched->topic, "$iothub/twin/res/204/?$rid=r1&$version=2");
  client->send(PublishPacket{"$iothub/twin/GET/?$rid=r2", " ", 0});
  auto twin = client->receive_a<PublishPacket>();
  ASSERT_TRUE(twin);
  EXPECT_EQ(twin->topic, "$iothub/twin/res/200/?$rid=r2");
  EXPECT_EQ(nlohmann::json::parse(twin->payload)["reported"]["fw"], "2.0");
  // A desired patch through the management API reaches the module.
  auto r = net::http_request("PATCH", api(*hub, "/twins/edge1/modules/A"), service_auth(),
                             R"({"properties":{"desired":{"rate":5}}})");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : r.error());
  auto desired = client->receive_a<PublishPacket>();
  ASSERT_TRUE(desired);
  EXPECT_EQ(desired->topic, "$iothub/twin/PATCH/properties/desired/?$version=2");
  EXPECT_EQ(nlohmann::json::parse(desired->payload), nlohmann::json::parse(R"({"rate":5,"$version":2})"));
}

// storage.max_bytes reaches the store: with the cap full, QoS 0 messages are dropped and
// counted (QoS 1 ones are held un-acknowledged: edge_hub_publish_test.cpp).
TEST(HubBehaviour, TheStoreCapFromHubYamlApplies) {
  auto hub = make_hub({{"AtoB", "FROM /messages/modules/A/* INTO BrokeredEndpoint(\"/modules/B/inputs/in1\")"}},
                      262144);
  auto a = connect(*hub, kA, true);
  const std::string body(8 * 1024, 'x');
  for (int i = 0; i < 60; ++i) a->send(PublishPacket{"devices/edge1/modules/A/messages/events/", body, 0});
  EXPECT_TRUE(wait_until([&] { return hub->metric("edgehub_messages_dropped_total", "reason=\"store_full\"") > 0; }))
      << "60 messages of 8 KB must overflow a 256 KB store\n" << hub->metrics();
}

TEST(HubBehaviour, MalformedPacketsCloseOnlyThatConnection) {
  auto hub = make_hub({{"r", "FROM /* INTO $upstream"}});
  auto good = connect(*hub, kA);
  auto bad = connect(*hub, kB);
  bad->send_raw(std::string("\x82\x05\x00\x01\x00\x02#", 7));  // SUBSCRIBE with a truncated filter
  EXPECT_TRUE(bad->wait_closed());
  auto garbage = std::make_unique<MqttTestClient>();
  ASSERT_TRUE(garbage->connect_tcp("127.0.0.1", hub->mqtt_port()));
  garbage->send_raw(std::string(64, '\xff'));
  EXPECT_TRUE(garbage->wait_closed());
  good->send(mqtt::PingreqPacket{});
  EXPECT_TRUE(good->receive_a<mqtt::PingrespPacket>());
  EXPECT_TRUE(hub->running());
  EXPECT_NE(hub->log().find("closing 'edge1/B'"), std::string::npos) << hub->log();
}

}  // namespace
}  // namespace outpost::testing
