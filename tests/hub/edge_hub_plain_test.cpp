// EdgeHub with plain MQTT clients and topics (src/hub/edge_hub_plain.cpp), driven with
// FakeConnections: user-name/password and anonymous clients beside IoT Hub identities,
// plain topics only for them, IoT Hub identities on plain topics too, retained messages
// after the SUBACK, wills on an abrupt end, takeover by client id; authorization policies
// (edge_hub_policy.cpp) from hub.yaml and the desired properties.
#include <gtest/gtest.h>

#include "hub/edge_hub_plain_fixture.h"
#include "outpost/routing/edgehub_config.h"

namespace outpost::hub::testing {
namespace {

using mqtt::CloseReason;
using mqtt::ConnectReturnCode;

TEST_F(EdgeHubPlainTest, UsersWithTheirPasswordAndAnonymousClientsWhereAllowed) {
  plain("p1");
  auto c = FakeConnection::make(hub_.get(), "p2");
  EXPECT_EQ(c->connect(plain_packet("p2", "sensor", "wrong")).code, ConnectReturnCode::bad_username_or_password);
  EXPECT_EQ(FakeConnection::make(hub_.get(), "p3")->connect(plain_packet("p3", "nobody", "s3cret")).code,
            ConnectReturnCode::bad_username_or_password);
  EXPECT_EQ(FakeConnection::make(hub_.get(), "p4")->connect(plain_packet("p4", "sensor")).code,
            ConnectReturnCode::bad_username_or_password) << "no password";
  plain("anon", std::nullopt, std::nullopt);
  EXPECT_EQ(FakeConnection::make(hub_.get(), "tls-anon", "tls")->connect(plain_packet("tls-anon", std::nullopt)).code,
            ConnectReturnCode::not_authorized)
      << "anonymous clients only on the listeners that allow them";
  EXPECT_EQ(metrics_.connect_success("mqtt:sensor").value(), 1);
  EXPECT_EQ(metrics_.connect_success("mqtt:anonymous").value(), 1);
  EXPECT_EQ(metrics_.connect_failed("mqtt:refused", "auth").value(), 4) << "one bounded label for all refusals";
  // IoT Hub identities authenticate as before.
  connect(kModuleA);
  auto bad_token = FakeConnection::make(hub_.get());
  EXPECT_EQ(bad_token->connect(connect_packet(kModuleB, clock_.unix_seconds() + 60, true, kHostname, kModuleA.key)).code,
            ConnectReturnCode::not_authorized);
  EXPECT_EQ(hub_->status().connected_clients, 3u);
}

TEST_F(EdgeHubPlainTest, WithoutPlainClientsConfiguredTheHubRefusesAsBefore) {
  settings_.mqtt_broker = {};
  restart_hub();
  auto c = FakeConnection::make(hub_.get(), "p1");
  EXPECT_EQ(c->connect(plain_packet("p1", "sensor", "s3cret")).code, ConnectReturnCode::bad_username_or_password);
  EXPECT_EQ(metrics_.connect_failed("p1", "auth").value(), 1);
}

TEST_F(EdgeHubPlainTest, PlainClientsPublishAndSubscribeWithWildcards) {
  auto sub = plain("sub");
  EXPECT_EQ(sub->subscribe({"plant/+/temp", "plant/#"}, 1), (std::vector<std::uint8_t>{1, 1}));
  auto pub = plain("pub");
  const auto ticket = pub->send_publish("plant/line1/temp", "21.5", 1);
  EXPECT_EQ(pub->completed(), std::vector<mqtt::PublishTicket>{ticket}) << "acknowledged after the fan-out";
  ASSERT_EQ(sub->published().size(), 1u) << "one delivery for two matching filters";
  EXPECT_EQ(sub->published()[0].topic, "plant/line1/temp");
  EXPECT_EQ(sub->published()[0].payload, "21.5");
  EXPECT_EQ(sub->published()[0].qos, 1);
  EXPECT_TRUE(sub->puback(sub->published()[0].tag));
  sub->unsubscribe({"plant/+/temp", "plant/#"});
  pub->send_publish("plant/line1/temp", "22", 0);
  EXPECT_EQ(sub->published().size(), 1u);
}

TEST_F(EdgeHubPlainTest, PlainClientsMayNotUseIotHubTopics) {
  apply_routes({{"all", R"(FROM /* INTO BrokeredEndpoint("/modules/B/inputs/in1"))"}});
  auto c = plain("p");
  EXPECT_EQ(c->subscribe({"devices/edge1/modules/B/inputs/#", "$iothub/twin/res/#", "ok/#"}, 1),
            (std::vector<std::uint8_t>{mqtt::kSubackFailure, mqtt::kSubackFailure, 1}));
  EXPECT_EQ(refused("subscribe", "not_authorized"), 2);
  const auto ticket = c->send_publish("devices/edge1/modules/A/messages/events/", "spoof", 1);
  EXPECT_EQ(c->completed(), std::vector<mqtt::PublishTicket>{ticket});
  EXPECT_TRUE(c->open());
  settle();
  EXPECT_EQ(waiting("edge1/B/in1"), 0u) << "nothing routed";
  EXPECT_EQ(refused("publish", "not_authorized"), 1);
  EXPECT_EQ(dropped("not_authorized", "mqtt:sensor"), 1);
}

TEST_F(EdgeHubPlainTest, IotHubIdentitiesUsePlainTopicsTooAndIotHubMessagesStayApart) {
  apply_routes({{"AtoB", R"(FROM /messages/modules/A/* INTO BrokeredEndpoint("/modules/B/inputs/in1"))"}});
  auto a = connect(kModuleA);
  auto watcher = plain("watcher");
  EXPECT_EQ(watcher->subscribe({"#"}, 0), std::vector<std::uint8_t>{0});
  EXPECT_EQ(a->subscribe({"cmd/A", "devices/edge1/modules/A/inputs/#"}, 1), (std::vector<std::uint8_t>{1, 1}));
  a->send_publish("status/A", "up", 1);
  ASSERT_EQ(payloads(*watcher), std::vector<std::string>{"up"});
  watcher->send_publish("cmd/A", "restart", 0);
  ASSERT_EQ(payloads(*a), std::vector<std::string>{"restart"});
  a->send_publish(telemetry_topic(kModuleA), "telemetry", 1);
  settle();
  EXPECT_EQ(payloads(*watcher), (std::vector<std::string>{"up", "restart"}))
      << "its own message too (MQTT 3.1.1); IoT Hub telemetry is routed, not broadcast";
  EXPECT_EQ(waiting("edge1/B/in1"), 1u);
}

TEST_F(EdgeHubPlainTest, RoutesFromTopicsTakePlainMessagesIntoModuleInputsAndOthersDoNot) {
  apply_routes({{"plc", R"(FROM /topics/plant/* INTO BrokeredEndpoint("/modules/B/inputs/plc"))"},
                {"iot", "FROM /* INTO $upstream"}});
  auto b = connect_receiver(kModuleB);
  b->clear_published();
  auto pub = plain("plc1");
  const auto t = pub->send_publish("plant/line1/temp", "21.5", 1);
  EXPECT_TRUE(pub->completed().empty()) << "routed: acknowledged once stored";
  settle();
  EXPECT_EQ(pub->completed(), std::vector<mqtt::PublishTicket>{t});
  ASSERT_EQ(payloads(*b), std::vector<std::string>{"21.5"});
  const auto& topic = b->published()[0].topic;
  EXPECT_EQ(topic.rfind("devices/edge1/modules/B/inputs/plc/", 0), 0u) << topic;
  EXPECT_NE(topic.find("mqtt-topic=plant%2Fline1%2Ftemp"), std::string::npos) << "the module learns the topic: " << topic;
  EXPECT_EQ(waiting("iothub"), 0u) << "FROM /* is IoT Hub traffic only: it does not take plain topics";
  pub->send_publish("office/door", "open", 1);
  settle();
  EXPECT_EQ(payloads(*b).size(), 1u);
  EXPECT_EQ(dropped("no_route", "mqtt:sensor"), 0) << "a plain publish no route takes is not a drop";
}

TEST_F(EdgeHubPlainTest, RetainedMessagesFollowTheSubackAndAnEmptyPayloadClears) {
  auto pub = plain("pub");
  pub->send_publish("door/1", "open", 1, /*retain=*/true);
  pub->send_publish("door/2", "shut", 0, /*retain=*/true);
  auto late = plain("late");
  EXPECT_EQ(late->subscribe({"door/+"}, 1), std::vector<std::uint8_t>{1});
  EXPECT_TRUE(late->published().empty()) << "not before the SUBACK";
  loop_.poll();
  ASSERT_EQ(payloads(*late), (std::vector<std::string>{"open", "shut"}));
  EXPECT_TRUE(late->published()[0].retain);
  EXPECT_EQ(late->published()[0].qos, 1);
  EXPECT_EQ(late->published()[1].qos, 0);
  pub->send_publish("door/1", "", 0, /*retain=*/true);
  auto later = plain("later");
  later->subscribe({"door/#"}, 1);
  loop_.poll();
  EXPECT_EQ(payloads(*later), std::vector<std::string>{"shut"});
}

TEST_F(EdgeHubPlainTest, ARetainedMessagePublishedRightAfterTheSubscribeArrivesOnce) {
  auto sub = plain("sub");
  sub->subscribe({"door/#"}, 1);  // its retained messages (none yet) are sent after the SUBACK
  plain("pub")->send_publish("door/1", "open", 1, /*retain=*/true);  // before that send
  loop_.poll();
  EXPECT_EQ(payloads(*sub), std::vector<std::string>{"open"}) << "live, and not again as retained";
}

TEST_F(EdgeHubPlainTest, AWillIsPublishedWhenTheConnectionEndsWithoutDisconnect) {
  auto watcher = plain("watcher");
  watcher->subscribe({"status/#"}, 1);
  loop_.poll();
  auto dying = plain("dying", "sensor", "s3cret", mqtt::Will{"status/dying", "gone", 1, true});
  dying->drop(CloseReason::transport_error);
  ASSERT_EQ(payloads(*watcher), std::vector<std::string>{"gone"});
  auto polite = plain("polite", "sensor", "s3cret", mqtt::Will{"status/polite", "gone", 1, false});
  polite->drop(CloseReason::client_disconnect);
  EXPECT_EQ(payloads(*watcher), std::vector<std::string>{"gone"}) << "no will after DISCONNECT";
  auto late = plain("late");
  late->subscribe({"status/+"}, 1);
  loop_.poll();
  EXPECT_EQ(payloads(*late), std::vector<std::string>{"gone"}) << "the retained will";
  // A module's will on a plain topic too.
  auto a = connect(kModuleA, true, mqtt::Will{"status/A", "A gone", 0, false});
  a->drop(CloseReason::keep_alive_timeout);
  EXPECT_EQ(payloads(*watcher), (std::vector<std::string>{"gone", "A gone"}));
}

TEST_F(EdgeHubPlainTest, TheSameClientIdTakesOverAndTheOldSubscriptionsGo) {
  auto first = plain("same");
  first->subscribe({"x"}, 0);
  auto second = plain("same");
  EXPECT_EQ(first->close_reason(), CloseReason::taken_over);
  auto pub = plain("pub");
  pub->send_publish("x", "1", 0);
  EXPECT_TRUE(first->published().empty());
  EXPECT_TRUE(second->published().empty()) << "a clean session starts without subscriptions";
  EXPECT_EQ(hub_->status().connected_clients, 2u);
}

TEST_F(EdgeHubPlainTest, SubscriptionsPerClientAreCapped) {
  auto c = plain("c");
  EXPECT_EQ(c->subscribe({"a", "b", "c", "d"}, 0),
            (std::vector<std::uint8_t>{0, 0, 0, mqtt::kSubackFailure}));
  EXPECT_EQ(refused("subscribe", "subscription_limit"), 1);
}

// Authorization policies (edge_hub_policy.cpp).
class EdgeHubPolicyTest : public EdgeHubPlainTest {
 protected:
  // The $edgeHub desired properties with `authorizations` (null: without mqttBroker at all).
  void apply_policy(const char* authorizations) {
    nlohmann::json desired = {{"schemaVersion", "1.2"},
                              {"routes", nlohmann::json::object()},
                              {"storeAndForwardConfiguration", {{"timeToLiveSecs", 7200}}}};
    if (authorizations != nullptr)
      desired["mqttBroker"] = {{"authorizations", nlohmann::json::parse(authorizations)}};
    auto config = routing::parse_edgehub_desired(desired);
    ASSERT_TRUE(config) << config.error();
    hub_->apply_config(std::move(*config));
  }
};

TEST_F(EdgeHubPolicyTest, APolicyDecidesPlainPublishesAndSubscriptions) {
  apply_policy(R"([
    {"identities": ["sensor"],
     "allow": [{"operations": ["mqtt:publish", "mqtt:subscribe"], "resources": ["plant/#"]}],
     "deny":  [{"operations": ["mqtt:subscribe"], "resources": ["plant/secret/#"]}]},
    {"identities": ["$anonymous"], "allow": [{"operations": ["mqtt:subscribe"], "resources": ["public/#"]}]}])");
  auto sensor = plain("sensor-1");
  EXPECT_EQ(sensor->subscribe({"plant/line1/#", "plant/+/temp", "other/x", "plant/secret/key"}, 1),
            (std::vector<std::uint8_t>{1, mqtt::kSubackFailure, mqtt::kSubackFailure, mqtt::kSubackFailure}))
      << "plant/+/temp would deliver plant/secret/temp";
  auto anon = plain("anon", std::nullopt, std::nullopt);
  EXPECT_EQ(anon->subscribe({"public/#", "plant/+/temp"}, 1), (std::vector<std::uint8_t>{1, mqtt::kSubackFailure}));
  EXPECT_EQ(refused("subscribe", "policy"), 4);

  sensor->send_publish("plant/line1/temp", "21", 1);
  EXPECT_EQ(payloads(*sensor), std::vector<std::string>{"21"});
  const auto ticket = sensor->send_publish("public/news", "spoof", 1);
  EXPECT_EQ(sensor->completed().back(), ticket) << "acknowledged (MQTT 3.1.1 has no refusal) and dropped";
  EXPECT_TRUE(payloads(*anon).empty());
  anon->send_publish("plant/line1/temp", "forged", 0);
  EXPECT_EQ(payloads(*sensor), std::vector<std::string>{"21"}) << "anonymous clients may not publish at all";
  EXPECT_EQ(refused("publish", "policy"), 2);
  EXPECT_EQ(dropped("not_authorized", "mqtt:sensor"), 1);
  EXPECT_EQ(dropped("not_authorized", "mqtt:anonymous"), 1);
}

TEST_F(EdgeHubPolicyTest, ConnectsAreRefusedOnlyByADenyAndIotHubTopicsKeepTheirOwnRules) {
  apply_policy(R"([
    {"identities": ["{{iot:identity}}"],
     "allow": [{"operations": ["mqtt:publish", "mqtt:subscribe"], "resources": ["clients/{{iot:client_id}}/#"]}]},
    {"identities": ["myhub.local/edge1/B", "$anonymous"], "deny": [{"operations": ["mqtt:connect"]}]}])");
  auto b = FakeConnection::make(hub_.get());
  EXPECT_EQ(b->connect(connect_packet(kModuleB, clock_.unix_seconds() + 3600)).code, ConnectReturnCode::not_authorized);
  EXPECT_EQ(metrics_.connect_failed("edge1/B", "policy").value(), 1);
  EXPECT_EQ(FakeConnection::make(hub_.get(), "anon")->connect(plain_packet("anon", std::nullopt)).code,
            ConnectReturnCode::not_authorized);
  EXPECT_EQ(refused("connect", "policy"), 2);
  // Nothing applies to a connect of A: allowed (being in the scope is the grant to connect).
  auto a = connect(kModuleA);
  EXPECT_EQ(a->subscribe({"clients/edge1/A/#", "clients/edge1/B/#", "devices/edge1/modules/A/inputs/#"}, 1),
            (std::vector<std::uint8_t>{1, mqtt::kSubackFailure, 1}))
      << "its own IoT Hub topics need no statement";
  // A client id cannot widen "clients/{{iot:client_id}}/#".
  auto sly = plain("+");
  EXPECT_EQ(sly->subscribe({"clients/edge1/A/#", "clients/+/#"}, 1),
            (std::vector<std::uint8_t>{mqtt::kSubackFailure, mqtt::kSubackFailure}));
}

TEST_F(EdgeHubPolicyTest, ANewPolicyAppliesToConnectedClientsAtOnce) {
  auto sensor = plain("sensor-1");
  EXPECT_EQ(sensor->subscribe({"plant/#", "plant/line1/#"}, 0), (std::vector<std::uint8_t>{0, 0})) << "no policy yet";
  auto other = plain("other", "sensor", "s3cret");
  apply_policy(R"([{"identities": ["sensor"],
    "allow": [{"operations": ["mqtt:subscribe", "mqtt:publish"], "resources": ["plant/line1/#"]}]}])");
  EXPECT_EQ(refused("subscribe", "policy"), 1) << "plant/# removed";
  other->send_publish("plant/line1/x", "kept", 0);
  other->send_publish("plant/line2/x", "refused", 0);
  EXPECT_EQ(payloads(*sensor), std::vector<std::string>{"kept"});
  apply_policy(R"([{"identities": ["sensor"], "deny": [{"operations": ["mqtt:connect"]}]}])");
  EXPECT_EQ(sensor->close_reason(), CloseReason::server_closed);
  EXPECT_EQ(other->close_reason(), CloseReason::server_closed);
  apply_policy(nullptr);  // no policy any more: plain topics are open again
  auto again = plain("sensor-1");
  EXPECT_EQ(again->subscribe({"plant/#"}, 0), std::vector<std::uint8_t>{0});
}

TEST_F(EdgeHubPolicyTest, HubYamlAndDesiredPoliciesActAsOneAndAWillNeedsPublishRights) {
  settings_.mqtt_broker.authorizations = *mqtt_policy::AuthorizationPolicy::parse(
      nlohmann::json::parse(R"([{"identities": ["sensor", "$anonymous"],
        "allow": [{"operations": ["mqtt:publish", "mqtt:subscribe"], "resources": ["plant/#"]}]}])"),
      "mqtt_broker.authorizations");
  restart_hub();
  auto watcher = plain("watcher", std::nullopt, std::nullopt);
  EXPECT_EQ(watcher->subscribe({"plant/#"}, 0), std::vector<std::uint8_t>{0}) << "hub.yaml's policy alone";
  apply_policy(R"([{"identities": ["sensor"], "deny": [{"operations": ["mqtt:publish"], "resources": ["plant/alive"]}]}])");
  auto dying = plain("dying", "sensor", "s3cret", mqtt::Will{"plant/alive", "dead", 0, false});
  auto fine = plain("fine", "sensor", "s3cret", mqtt::Will{"plant/fine", "gone", 0, false});
  dying->drop(CloseReason::transport_error);
  fine->drop(CloseReason::transport_error);
  EXPECT_EQ(payloads(*watcher), std::vector<std::string>{"gone"}) << "the denied will is not published";
  EXPECT_EQ(refused("publish", "policy"), 1);
}

}  // namespace
}  // namespace outpost::hub::testing

namespace outpost::hub::testing {
namespace {

std::uint64_t queued_in(store::MessageStore& store, const std::string& queue) {
  for (const auto& q : store.stats())
    if (q.name == queue) return q.length;
  return 0;
}

TEST_F(EdgeHubPlainTest, TwinBridgesComeAndGoWithTheDesiredPropertiesAndARemovedOnesQueueIsCounted) {
  const auto desired = [](nlohmann::json bridges) {
    nlohmann::json d = {{"schemaVersion", "1.2"},
                        {"routes", nlohmann::json::object()},
                        {"storeAndForwardConfiguration", {{"timeToLiveSecs", 7200}}}};
    if (!bridges.is_null()) d["mqttBroker"] = {{"bridges", std::move(bridges)}};
    auto config = routing::parse_edgehub_desired(d);
    EXPECT_TRUE(config) << config.error();
    return std::move(*config);
  };
  // A broker that is not there (nothing listens on port 1): what the bridge takes waits on disk.
  hub_->apply_config(desired(nlohmann::json::parse(
      R"([{"endpoint": "mqtt://127.0.0.1:1", "settings": [{"direction": "out", "topic": "up/#"}]}])")));
  auto pub = plain("pub");
  const auto t = pub->send_publish("up/1", "x", 1);
  pub->send_publish("other/1", "y", 1);
  settle();
  EXPECT_EQ(pub->completed().size(), 2u) << "acknowledged once queued for the bridge";
  EXPECT_NE(std::find(pub->completed().begin(), pub->completed().end(), t), pub->completed().end());
  EXPECT_EQ(queued_in(*store_, "mqtt-bridge-0"), 1u) << "only what an out setting takes";
  // The same bridges again (a route change, say): nothing happens to them.
  hub_->apply_config(desired(nlohmann::json::parse(
      R"([{"endpoint": "mqtt://127.0.0.1:1", "settings": [{"direction": "out", "topic": "up/#"}]}])")));
  EXPECT_EQ(queued_in(*store_, "mqtt-bridge-0"), 1u);
  hub_->apply_config(desired(nullptr));  // the twin no longer has it
  EXPECT_EQ(queued_in(*store_, "mqtt-bridge-0"), 0u);
  EXPECT_EQ(dropped("bridge_removed"), 1) << "what waited for it is counted, not kept for ever";
  pub->send_publish("up/2", "z", 1);
  settle();
  EXPECT_EQ(queued_in(*store_, "mqtt-bridge-0"), 0u) << "no bridge takes it now";
}

}  // namespace
}  // namespace outpost::hub::testing
