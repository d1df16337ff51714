// outpost-hub driven by our own blocking MQTT client where a test needs control over single
// packets: sessions across restarts, takeover, wills, malformed input, methods, C2D, the
// management API and back-pressure when the store is full.
#include <gtest/gtest.h>

#include <future>
#include <set>

#include "hub/hub_process.h"
#include "outpost/core/clock.h"
#include "outpost/core/sas_token.h"
#include "outpost/iothub/topics.h"
#include "outpost/net/http_client.h"
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

TEST(HubBehaviour, UnacknowledgedDeliveriesAreRedeliveredInOrderAfterReconnect) {
  auto hub = make_hub({{"AtoB", "FROM /messages/modules/A/* INTO BrokeredEndpoint(\"/modules/B/inputs/in1\")"}});
  auto a = connect(*hub, kA, true);
  for (std::uint16_t i = 1; i <= 3; ++i) {
    a->send(PublishPacket{"devices/edge1/modules/A/messages/events/", "m" + std::to_string(i), 1, false, false, i});
    ASSERT_TRUE(a->receive_a<mqtt::PubackPacket>());
  }
  {
    auto b = connect(*hub, kB);
    b->send(SubscribePacket{1, {{"devices/edge1/modules/B/inputs/#", 1}}});
    for (int i = 1; i <= 3; ++i) {
      auto msg = b->receive_a<PublishPacket>();
      ASSERT_TRUE(msg);
      EXPECT_EQ(msg->payload, "m" + std::to_string(i));
    }
    // No PUBACKs: B goes away with all three in flight.
  }
  auto b = connect(*hub, kB);  // persistent session: no SUBSCRIBE
  for (int i = 1; i <= 3; ++i) {
    auto msg = b->receive_a<PublishPacket>();
    ASSERT_TRUE(msg) << "message " << i << " was not redelivered\n" << hub->log();
    EXPECT_EQ(msg->payload, "m" + std::to_string(i));
    b->send(mqtt::PubackPacket{msg->packet_id});
  }
  ASSERT_TRUE(wait_until([&] { return hub->metric("edgehub_queue_length", "edge1/B/in1") == 0; }))
      << hub->metrics();
  b.reset();
  auto again = connect(*hub, kB);
  EXPECT_FALSE(again->receive_a<PublishPacket>(300ms)) << "acknowledged messages must not come back";
}

TEST(HubBehaviour, ReportedPropertiesAreRoutedAsTwinChangeNotifications) {
  auto hub = make_hub({{"twins", "FROM /twinChangeNotifications INTO BrokeredEndpoint(\"/modules/B/inputs/twin\")"}});
  auto a = connect(*hub, kA, true);
  a->send(SubscribePacket{1, {{"$iothub/twin/res/#", 0}}});
  ASSERT_TRUE(a->receive_a<mqtt::SubackPacket>());
  a->send(PublishPacket{"$iothub/twin/PATCH/properties/reported/?$rid=1", R"({"fw":"3.1"})", 0});
  ASSERT_TRUE(a->receive_a<PublishPacket>());  // the 204
  auto b = connect(*hub, kB, true);
  b->send(SubscribePacket{1, {{"devices/edge1/modules/B/inputs/#", 1}}});
  auto change = b->receive_a<PublishPacket>();
  ASSERT_TRUE(change) << hub->log();
  EXPECT_EQ(change->topic.rfind("devices/edge1/modules/B/inputs/twin/", 0), 0u) << change->topic;
  EXPECT_NE(change->topic.find("%24.cmid=A"), std::string::npos) << "the sender travels in $.cmid: " << change->topic;
  EXPECT_EQ(nlohmann::json::parse(change->payload)["properties"]["reported"]["fw"], "3.1");
  EXPECT_LE(hub->metric("edgehub_messages_dropped_total"), 0) << hub->metrics();
}

TEST(HubBehaviour, ASecondConnectionOfOneIdentityDropsTheFirst) {
  auto hub = make_hub({{"r", "FROM /* INTO $upstream"}});
  auto first = connect(*hub, kA);
  auto second = connect(*hub, kA);
  EXPECT_TRUE(first->wait_closed()) << "the first connection must be closed";
  second->send(mqtt::PingreqPacket{});
  EXPECT_TRUE(second->receive_a<mqtt::PingrespPacket>());
}

TEST(HubBehaviour, WillIsPublishedWhenAConnectionDiesAndNotOnDisconnect) {
  auto hub = make_hub({{"AtoB", "FROM /messages/modules/A/* INTO BrokeredEndpoint(\"/modules/B/inputs/will\")"}});
  const mqtt::Will will{"devices/edge1/modules/A/messages/events/%24.on=status", "A is gone", 1, false};
  {
    auto polite = connect(*hub, kA, true, will);
    polite->send(mqtt::DisconnectPacket{});
    EXPECT_TRUE(polite->wait_closed());
  }
  { auto rude = connect(*hub, kA, true, will); }  // socket closed without DISCONNECT
  auto b = connect(*hub, kB, true);
  b->send(SubscribePacket{1, {{"devices/edge1/modules/B/inputs/#", 1}}});
  auto msg = b->receive_a<PublishPacket>();
  ASSERT_TRUE(msg) << hub->log();
  EXPECT_EQ(msg->payload, "A is gone");
  EXPECT_NE(msg->topic.find("MessageType=Will"), std::string::npos) << msg->topic;
  EXPECT_FALSE(b->receive_a<PublishPacket>(500ms)) << "a graceful DISCONNECT must not publish the will";
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

TEST(HubBehaviour, DirectMethodsThroughTheManagementApi) {
  auto hub = make_hub({{"r", "FROM /* INTO $upstream"}});
  // Offline target: 404.
  auto offline = net::http_request("POST", api(*hub, "/twins/edge1/modules/A/methods"), service_auth(),
                                   R"({"methodName":"reboot","payload":{"delay":1},"responseTimeoutInSeconds":5})");
  ASSERT_TRUE(offline);
  EXPECT_EQ(offline->status, 404) << offline->body;
  auto a = connect(*hub, kA);
  a->send(SubscribePacket{1, {{"$iothub/methods/POST/#", 0}}});
  ASSERT_TRUE(a->receive_a<mqtt::SubackPacket>());
  auto call = std::async(std::launch::async, [&] {
    return net::http_request("POST", api(*hub, "/twins/edge1/modules/A/methods"), service_auth(),
                             R"({"methodName":"reboot","payload":{"delay":1},"responseTimeoutInSeconds":5})");
  });
  auto request = a->receive_a<PublishPacket>();
  ASSERT_TRUE(request);
  ASSERT_EQ(request->topic.rfind("$iothub/methods/POST/reboot/?$rid=", 0), 0u) << request->topic;
  EXPECT_EQ(nlohmann::json::parse(request->payload), nlohmann::json::parse(R"({"delay":1})"));
  const auto rid = *iothub::query_parameter(request->topic, "$rid");
  a->send(PublishPacket{"$iothub/methods/res/201/?$rid=" + rid, R"({"done":true})", 0});
  auto answer = call.get();
  ASSERT_TRUE(answer) << answer.error();
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(nlohmann::json::parse(answer->body), nlohmann::json::parse(R"({"status":201,"payload":{"done":true}})"));
  // No answer within the timeout: 504.
  const auto t0 = std::chrono::steady_clock::now();
  auto silent = net::http_request("POST", api(*hub, "/twins/edge1/modules/A/methods"), service_auth(),
                                  R"({"methodName":"hang","responseTimeoutInSeconds":5})");
  ASSERT_TRUE(silent);
  EXPECT_EQ(silent->status, 504) << silent->body;
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 4500ms);
}

TEST(HubBehaviour, CloudToDeviceMessagesReachALeafDevice) {
  auto hub = make_hub({{"r", "FROM /* INTO $upstream"}});
  auto leaf = connect(*hub, kLeaf, true);
  leaf->send(SubscribePacket{1, {{"devices/leaf1/messages/devicebound/#", 1}}});
  ASSERT_TRUE(leaf->receive_a<mqtt::SubackPacket>());
  auto headers = service_auth();
  headers.emplace_back("iothub-messageid", "c2d-1");
  headers.emplace_back("iothub-app-colour", "blue");
  auto r = net::http_request("POST", api(*hub, "/devices/leaf1/messages/devicebound"), headers, "open the valve");
  ASSERT_TRUE(r && r->status == 204) << (r ? r->body : r.error());
  auto msg = leaf->receive_a<PublishPacket>();
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->payload, "open the valve");
  EXPECT_EQ(msg->topic.rfind("devices/leaf1/messages/devicebound/", 0), 0u) << msg->topic;
  EXPECT_NE(msg->topic.find("%24.mid=c2d-1"), std::string::npos) << msg->topic;
  EXPECT_NE(msg->topic.find("colour=blue"), std::string::npos) << msg->topic;
}

// IoT Hub's whole header mapping, and expiry on a live relay: an expired message is dropped.
TEST(HubBehaviour, CloudToDeviceHeadersMapAsIoTHubsAndExpiredMessagesAreDropped) {
  auto hub = make_hub({{"r", "FROM /* INTO $upstream"}});
  auto leaf = connect(*hub, kLeaf, true);
  leaf->send(SubscribePacket{1, {{"devices/leaf1/messages/devicebound/#", 1}}});
  ASSERT_TRUE(leaf->receive_a<mqtt::SubackPacket>());
  auto headers = service_auth();
  for (const auto& h : net::Headers{{"iothub-userid", "ops"}, {"iothub-ack", "full"}, {"Content-Encoding", "utf-8"},
                                    {"iothub-correlationid", "c7"}, {"iothub-expiry", "2100-01-01T00:00:00Z"}})
    headers.push_back(h);
  auto r = net::http_request("POST", api(*hub, "/devices/leaf1/messages/devicebound"), headers, "valve");
  ASSERT_TRUE(r && r->status == 204) << (r ? r->body : r.error());
  auto msg = leaf->receive_a<PublishPacket>();
  ASSERT_TRUE(msg);
  for (const auto* part : {"%24.uid=ops", "ack=full", "%24.ce=utf-8", "%24.cid=c7", "%24.exp=2100-01-01T00%3A00%3A00Z"})
    EXPECT_NE(msg->topic.find(part), std::string::npos) << part << " missing in " << msg->topic;
  auto late = service_auth();
  late.emplace_back("iothub-expiry", "2001-01-01T00:00:00Z");
  auto expired = net::http_request("POST", api(*hub, "/devices/leaf1/messages/devicebound"), late, "too late");
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 400) << expired->body;
  EXPECT_EQ(expired->header("iothub-errorcode"), "ArgumentInvalid");
  EXPECT_EQ(hub->metric("edgehub_messages_dropped_total", "reason=\"ttl_expiry\""), 1) << hub->metrics();
  EXPECT_NE(hub->log().find("dropped a cloud-to-device message for 'leaf1': it expired at 2001-01-01T00:00:00Z"),
            std::string::npos) << hub->log();
  EXPECT_FALSE(leaf->receive_a<PublishPacket>(300ms)) << "an expired message must not be relayed";
  auto unknown = net::http_request("POST", api(*hub, "/devices/ghost/messages/devicebound"), service_auth(), "x");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(unknown->header("iothub-errorcode"), "DeviceNotFound");
}

// Only modules may call the module API (x-ms-edge-moduleId), as with IoT Edge.
TEST(HubBehaviour, ALeafDeviceCannotInvokeMethodsThroughTheModuleApi) {
  auto hub = make_hub({{"r", "FROM /* INTO $upstream"}});
  const std::string body = R"({"methodName":"reboot","responseTimeoutInSeconds":5})";
  auto as_leaf = net::http_request("POST", api(*hub, "/twins/edge1/modules/A/methods"),
                                   {{"Authorization", hub->password(kLeaf)}, {"x-ms-edge-moduleId", "leaf1"}}, body);
  ASSERT_TRUE(as_leaf);
  EXPECT_EQ(as_leaf->status, 401) << as_leaf->body;
  EXPECT_EQ(nlohmann::json::parse(as_leaf->body)["Message"],
            "ErrorCode:IotHubUnauthorizedAccess;x-ms-edge-moduleId 'leaf1' names a device; only modules of 'edge1' "
            "may invoke methods through the module API");
  // A module with its own token may (B is offline: IoT Hub's 404).
  auto as_module = net::http_request("POST", api(*hub, "/twins/edge1/modules/B/methods"),
                                     {{"Authorization", hub->password(kA)}, {"x-ms-edge-moduleId", "edge1/A"}}, body);
  ASSERT_TRUE(as_module);
  EXPECT_EQ(as_module->status, 404) << as_module->body;
  EXPECT_EQ(as_module->header("iothub-errorcode"), "DeviceNotOnline");
  // ... but not with another's token.
  auto borrowed = net::http_request("POST", api(*hub, "/twins/edge1/modules/B/methods"),
                                    {{"Authorization", hub->password(kB)}, {"x-ms-edge-moduleId", "edge1/A"}}, body);
  ASSERT_TRUE(borrowed);
  EXPECT_EQ(borrowed->status, 401) << borrowed->body;
  EXPECT_NE(hub->log().find("refused POST /twins/edge1/modules/A/methods"), std::string::npos) << hub->log();
}

// A service token whose sr names one device reaches that device only.
TEST(HubBehaviour, ADeviceScopedServiceTokenReachesOnlyThatDevice) {
  auto hub = make_hub({{"r", "FROM /* INTO $upstream"}});
  const auto sr = std::string(HubProcess::kHostname) + "/devices/leaf1";
  const net::Headers leaf_only{
      {"Authorization", *build_sas_token(sr, kPolicyKey, SystemClock::instance().unix_seconds() + 600,
                                         std::string_view("iothubowner"))}};
  auto own = net::http_request("GET", api(*hub, "/twins/leaf1"), leaf_only);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200) << own->body;
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/twins/edge1/modules/A"}, {"PATCH", "/twins/edge1/modules/A"}, {"GET", "/status"},
           {"POST", "/twins/edge1/modules/A/methods"}, {"POST", "/devices/leaf2/messages/devicebound"}}) {
    auto r = net::http_request(method, api(*hub, path), leaf_only, "{}");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401) << method << " " << path << ": " << r->body;
    EXPECT_NE(r->body.find("the token is scoped to 'myhub.local/devices/leaf1', which does not cover"),
              std::string::npos) << r->body;
  }
  auto hub_wide = net::http_request("GET", api(*hub, "/twins/edge1/modules/A"), service_auth());
  ASSERT_TRUE(hub_wide);
  EXPECT_EQ(hub_wide->status, 200) << hub_wide->body;
}

// Twins exist only for identities the hub knows: nothing is stored for others.
TEST(HubBehaviour, TwinsOfUnknownIdentitiesAreNotFound) {
  auto hub = make_hub({{"r", "FROM /* INTO $upstream"}});
  auto ghost = net::http_request("GET", api(*hub, "/twins/ghost"), service_auth());
  ASSERT_TRUE(ghost);
  EXPECT_EQ(ghost->status, 404);
  EXPECT_EQ(nlohmann::json::parse(ghost->body)["Message"], "ErrorCode:DeviceNotFound;Device 'ghost' was not found");
  auto patch = net::http_request("PATCH", api(*hub, "/twins/edge1/modules/ghost"), service_auth(),
                                 R"({"properties":{"desired":{"x":1}}})");
  ASSERT_TRUE(patch);
  EXPECT_EQ(patch->status, 404);
  EXPECT_EQ(patch->header("iothub-errorcode"), "ModuleNotFound");
  auto method = net::http_request("POST", api(*hub, "/twins/ghost/methods"), service_auth(), R"({"methodName":"m"})");
  ASSERT_TRUE(method);
  EXPECT_EQ(method->header("iothub-errorcode"), "DeviceNotFound");
  for (const auto* known : {"/twins/edge1/modules/$edgeHub", "/twins/edge1/modules/$edgeAgent", "/twins/leaf1"}) {
    auto r = net::http_request("GET", api(*hub, known), service_auth());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << known << ": " << r->body;
  }
}

TEST(HubBehaviour, AUserNameForAnotherHubIsRefused) {
  auto hub = make_hub({{"r", "FROM /* INTO $upstream"}});
  auto client = std::make_unique<MqttTestClient>();
  ASSERT_TRUE(client->connect_tcp("127.0.0.1", hub->mqtt_port()));
  ConnectPacket c;
  c.client_id = kLeaf.id();
  c.username = "other.hub/leaf1/?api-version=2021-04-12";
  c.password = hub->password(kLeaf);  // a valid token for this hub
  auto ack = client->handshake(c);
  ASSERT_TRUE(ack) << client->last_error();
  EXPECT_EQ(ack->return_code, mqtt::ConnectReturnCode::not_authorized);
  EXPECT_NE(hub->log().find("the user name names host 'other.hub', not this hub"), std::string::npos) << hub->log();
}

// connectTimeoutInSeconds: the call waits for the target to connect and subscribe.
TEST(HubBehaviour, AMethodCallWaitsForItsTargetToConnect) {
  auto hub = make_hub({{"r", "FROM /* INTO $upstream"}});
  auto call = std::async(std::launch::async, [&] {
    return net::http_request("POST", api(*hub, "/twins/edge1/modules/A/methods"), service_auth(),
                             R"({"methodName":"wake","responseTimeoutInSeconds":10,"connectTimeoutInSeconds":20})");
  });
  ASSERT_TRUE(wait_until([&] { return hub->metric("edgehub_direct_methods_total") >= 1; })) << hub->metrics();
  auto a = connect(*hub, kA);
  a->send(SubscribePacket{1, {{"$iothub/methods/POST/#", 0}}});
  ASSERT_TRUE(a->receive_a<mqtt::SubackPacket>());
  auto request = a->receive_a<PublishPacket>();
  ASSERT_TRUE(request) << "the waiting call was not sent once A subscribed\n" << hub->log();
  const auto rid = *iothub::query_parameter(request->topic, "$rid");
  a->send(PublishPacket{"$iothub/methods/res/200/?$rid=" + rid, "\"awake\"", 0});
  auto answer = call.get();
  ASSERT_TRUE(answer) << answer.error();
  EXPECT_EQ(answer->status, 200) << answer->body;
  EXPECT_EQ(nlohmann::json::parse(answer->body)["payload"], "awake");
}

TEST(HubBehaviour, ManagementApiNeedsAValidServiceToken) {
  auto hub = make_hub({{"r", "FROM /* INTO $upstream"}});
  auto none = net::http_request("GET", api(*hub, "/twins/edge1/modules/A"));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto forged = build_sas_token(HubProcess::kHostname, random_key(), SystemClock::instance().unix_seconds() + 60,
                                std::string_view("iothubowner"));
  auto bad = net::http_request("GET", api(*hub, "/twins/edge1/modules/A"), {{"Authorization", *forged}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  auto good = net::http_request("GET", api(*hub, "/twins/edge1/modules/A"), service_auth());
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200) << good->body;
  auto metrics = net::http_request("GET", api(*hub, "/metrics"));
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200) << "metrics need no token, as Prometheus scrapes expect";
}

// With the store capped, a publisher is back-pressured: PUBACKs stop, nothing is dropped,
// and once the consumer frees space every held message is acknowledged and delivered.
TEST(HubBehaviour, FullStoreStopsAcknowledgingInsteadOfDropping) {
  auto hub = make_hub({{"AtoB", "FROM /messages/modules/A/* INTO BrokeredEndpoint(\"/modules/B/inputs/in1\")"}},
                      262144);
  auto a = connect(*hub, kA, true);
  const std::string body(8 * 1024, 'x');
  constexpr int kCount = 60;  // ~480 KB: well over the cap
  for (std::uint16_t i = 1; i <= kCount; ++i)
    a->send(PublishPacket{"devices/edge1/modules/A/messages/events/", std::to_string(i) + ":" + body, 1, false, false, i});
  int acked = 0;
  while (a->receive_a<mqtt::PubackPacket>(1500ms)) ++acked;
  EXPECT_GT(acked, 0);
  EXPECT_LT(acked, kCount) << "the cap must hold back some PUBACKs";
  EXPECT_NE(hub->log().find("store full"), std::string::npos) << hub->log();
  EXPECT_LE(hub->metric("edgehub_messages_dropped_total"), 0) << hub->metrics();
  auto b = connect(*hub, kB, true);
  b->send(SubscribePacket{1, {{"devices/edge1/modules/B/inputs/#", 1}}});
  std::set<int> delivered;
  while (delivered.size() < kCount) {
    auto msg = b->receive_a<PublishPacket>(10s);
    ASSERT_TRUE(msg) << "only " << delivered.size() << " of " << kCount << " delivered\n" << hub->log();
    delivered.insert(std::stoi(msg->payload.substr(0, msg->payload.find(':'))));
    b->send(mqtt::PubackPacket{msg->packet_id});
  }
  while (acked < kCount) {
    ASSERT_TRUE(a->receive_a<mqtt::PubackPacket>(10s)) << "held PUBACKs must follow once space frees; got " << acked;
    ++acked;
  }
}

}  // namespace
}  // namespace outpost::testing
