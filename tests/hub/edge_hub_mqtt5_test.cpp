// EdgeHub with MQTT 5 clients on plain topics (src/hub/edge_hub_plain.cpp, plain_properties.cpp,
// plain_broker.cpp), driven with FakeConnections at protocol level 5: properties passed on live,
// through a persistent session's queue and a restart, with retained messages; the Message
// Expiry; user properties as IoT Hub application properties; subscription identifiers and
// options; shared subscriptions.
#include <gtest/gtest.h>

#include "hub/edge_hub_plain_fixture.h"

namespace outpost::hub::testing {
namespace {

using mqtt::CloseReason;

class EdgeHubMqtt5Test : public EdgeHubPlainTest {
 protected:
  // A user-name client at MQTT 5; `expiry` > 0: a persistent session (Session Expiry Interval).
  std::shared_ptr<FakeConnection> v5(const std::string& client_id, std::uint32_t expiry = 0, bool* present = nullptr) {
    auto c = FakeConnection::make(hub_.get(), client_id);
    auto packet = plain_packet(client_id, "sensor", "s3cret");
    packet.protocol_level = mqtt::kMqtt5;
    packet.clean_session = expiry == 0;  // as mqtt::Session hands a v5 CONNECT to the handler
    if (expiry > 0) packet.properties.session_expiry_interval = expiry;
    const auto decision = c->connect(packet);
    EXPECT_EQ(decision.code, mqtt::ConnectReturnCode::accepted) << client_id;
    if (present) *present = decision.session_present;
    loop_.poll();
    return c;
  }

  static mqtt::PublishPacket request(const std::string& topic, const std::string& payload, std::uint8_t qos = 1) {
    mqtt::PublishPacket p{topic, payload, qos};
    p.properties.content_type = "application/json";
    p.properties.response_topic = "replies/client7";
    p.properties.correlation_data = std::string("\x00\x01\xff", 3);  // binary
    p.properties.payload_format_indicator = 1;
    p.properties.user_properties = {{"site", "plant1"}, {"tag", "a"}, {"tag", "b"}};
    p.properties.message_expiry_interval = 600;
    return p;
  }

  static void expect_request_properties(const FakeConnection::Published& got) {
    ASSERT_TRUE(got.properties) << "an MQTT 5 receiver gets properties";
    const auto& p = *got.properties;
    EXPECT_EQ(p.content_type, "application/json");
    EXPECT_EQ(p.response_topic, "replies/client7");
    EXPECT_EQ(p.correlation_data, std::string("\x00\x01\xff", 3));
    EXPECT_EQ(p.payload_format_indicator, 1);
    EXPECT_EQ(p.user_properties,
              (std::vector<std::pair<std::string, std::string>>{{"site", "plant1"}, {"tag", "a"}, {"tag", "b"}}))
        << "in order, names repeating";
    ASSERT_TRUE(p.message_expiry_interval);
    EXPECT_LE(*p.message_expiry_interval, 600u);
    EXPECT_GE(*p.message_expiry_interval, 590u) << "what is left of it";
  }
};

TEST_F(EdgeHubMqtt5Test, PropertiesReachMqtt5SubscribersLiveAnd311OnesGetThePayload) {
  auto v5_sub = v5("v5sub");
  auto v3_sub = plain("v3sub");
  v5_sub->subscribe({"req/#"}, 1);
  v3_sub->subscribe({"req/#"}, 1);
  auto pub = v5("pub");
  pub->send_publish(request("req/1", "{\"op\":1}"));
  ASSERT_EQ(payloads(*v5_sub), std::vector<std::string>{"{\"op\":1}"});
  expect_request_properties(v5_sub->published()[0]);
  ASSERT_EQ(payloads(*v3_sub), std::vector<std::string>{"{\"op\":1}"});
  EXPECT_FALSE(v3_sub->published()[0].properties) << "a 3.1.1 client gets no properties";
  // Request/response: the responder answers on the response topic with the correlation data.
  auto requester = v5("requester");
  requester->subscribe({"replies/client7"}, 1);
  const auto& got = v5_sub->published()[0].properties;
  mqtt::PublishPacket reply{*got->response_topic, "done", 1};
  reply.properties.correlation_data = got->correlation_data;
  v5_sub->send_publish(std::move(reply));
  ASSERT_EQ(payloads(*requester), std::vector<std::string>{"done"});
  EXPECT_EQ(requester->published()[0].properties->correlation_data, std::string("\x00\x01\xff", 3));
}

TEST_F(EdgeHubMqtt5Test, AWillPassesItsPropertiesOn) {
  auto watcher = v5("watcher");
  watcher->subscribe({"status/#"}, 1);
  auto c = FakeConnection::make(hub_.get(), "dying");
  auto packet = plain_packet("dying", "sensor", "s3cret");
  packet.protocol_level = mqtt::kMqtt5;
  mqtt::Will will{"status/dying", "gone", 1, false};
  will.properties.user_properties = {{"cause", "power"}};
  will.properties.content_type = "text/plain";
  packet.will = will;
  ASSERT_EQ(c->connect(packet).code, mqtt::ConnectReturnCode::accepted);
  c->drop(CloseReason::transport_error);
  loop_.poll();
  ASSERT_EQ(payloads(*watcher), std::vector<std::string>{"gone"});
  ASSERT_TRUE(watcher->published()[0].properties);
  EXPECT_EQ(watcher->published()[0].properties->user_properties,
            (std::vector<std::pair<std::string, std::string>>{{"cause", "power"}}));
  EXPECT_EQ(watcher->published()[0].properties->content_type, "text/plain");
}

TEST_F(EdgeHubMqtt5Test, PropertiesSurviveAPersistentSessionsQueueAndARestartAndExpiredMessagesAreNotSent) {
  auto sub = v5("keeper", 3600);
  sub->subscribe({"req/#"}, 1);
  sub->drop(CloseReason::client_disconnect);
  auto pub = v5("pub");
  pub->send_publish(request("req/1", "kept"));
  auto gone = request("req/2", "expired");
  gone.properties.message_expiry_interval = 0;  // its lifetime is over by the time it is read back
  pub->send_publish(std::move(gone));
  settle();
  restart_hub();
  bool present = false;
  auto back = v5("keeper", 3600, &present);
  EXPECT_TRUE(present);
  ASSERT_EQ(payloads(*back), std::vector<std::string>{"kept"}) << "the expired one is not sent";
  expect_request_properties(back->published()[0]);
  EXPECT_EQ(dropped("ttl_expiry"), 1);
}

TEST_F(EdgeHubMqtt5Test, RetainedMessagesKeepTheirPropertiesAndExpire) {
  auto pub = v5("pub");
  auto kept = request("state/1", "on");
  kept.retain = true;
  pub->send_publish(std::move(kept));
  auto brief = request("state/2", "brief");
  brief.retain = true;
  brief.properties.message_expiry_interval = 0;
  pub->send_publish(std::move(brief));
  settle();
  restart_hub();  // retained messages are durable, with their properties
  auto late = v5("late");
  late->subscribe({"state/#"}, 1);
  loop_.poll();
  ASSERT_EQ(payloads(*late), std::vector<std::string>{"on"}) << "an expired retained message is not sent";
  EXPECT_TRUE(late->published()[0].retain);
  expect_request_properties(late->published()[0]);
}

TEST_F(EdgeHubMqtt5Test, UserPropertiesBecomeApplicationPropertiesOfRoutedAndIotHubMessages) {
  apply_routes({{"plc", R"(FROM /topics/plant/* INTO BrokeredEndpoint("/modules/B/inputs/plc"))"},
                {"a", R"(FROM /messages/modules/A/* INTO BrokeredEndpoint("/modules/B/inputs/a"))"}});
  auto b = connect_receiver(kModuleB);
  b->clear_published();
  auto pub = v5("plc1");
  pub->send_publish(request("plant/line1", "21.5"));
  settle();
  ASSERT_EQ(payloads(*b), std::vector<std::string>{"21.5"});
  const auto& topic = b->published()[0].topic;
  EXPECT_NE(topic.find("site=plant1"), std::string::npos) << topic;
  EXPECT_NE(topic.find("%24.ct=application%2Fjson"), std::string::npos) << "Content Type is contentType: " << topic;
  EXPECT_NE(topic.find("mqtt-topic=plant%2Fline1"), std::string::npos) << topic;
  // A module at MQTT 5 on its IoT Hub topic: the same mapping.
  auto a = connect(kModuleA);
  mqtt::PublishPacket telemetry{telemetry_topic(kModuleA, "%24.on=out1"), "t", 1};
  telemetry.properties.user_properties = {{"unit", "C"}};
  a->send_publish(std::move(telemetry));
  settle();
  ASSERT_EQ(payloads(*b).size(), 2u);
  EXPECT_NE(b->published()[1].topic.find("unit=C"), std::string::npos) << b->published()[1].topic;
}

TEST_F(EdgeHubMqtt5Test, SubscriptionIdentifiersAndOptions) {
  auto me = v5("me");
  mqtt::Subscription with_id{"chat/#", 1};
  with_id.subscription_id = 42;
  with_id.no_local = true;
  mqtt::Subscription rap{"chat/+", 1};
  rap.retain_as_published = true;
  rap.subscription_id = 7;
  EXPECT_EQ(me->subscribe(std::vector<mqtt::Subscription>{with_id, rap}), (std::vector<std::uint8_t>{1, 1}));
  auto other = v5("other");
  mqtt::PublishPacket p{"chat/1", "hi", 1};
  p.retain = true;
  other->send_publish(std::move(p));
  loop_.poll();
  ASSERT_EQ(payloads(*me), std::vector<std::string>{"hi"});
  ASSERT_TRUE(me->published()[0].properties);
  EXPECT_EQ(me->published()[0].properties->subscription_identifiers, (std::vector<std::uint32_t>{42, 7}));
  // The first delivery is live (Retain As Published keeps RETAIN); retained-on-subscribe too.
  EXPECT_TRUE(me->published()[0].retain);
  // No Local on chat/#, not on chat/+: its own message comes back once, through chat/+.
  me->send_publish("chat/2", "mine", 1);
  loop_.poll();
  ASSERT_EQ(payloads(*me).size(), 2u);
  EXPECT_EQ(me->published()[1].properties->subscription_identifiers, (std::vector<std::uint32_t>{7}));
  me->unsubscribe({"chat/+"});
  me->send_publish("chat/3", "mine again", 1);
  loop_.poll();
  EXPECT_EQ(payloads(*me).size(), 2u) << "No Local: not to its own publisher";
}

TEST_F(EdgeHubMqtt5Test, RetainHandlingSendsRetainedMessagesAlwaysOnlyForANewSubscriptionOrNever) {
  auto pub = v5("pub");
  mqtt::PublishPacket r{"state/1", "on", 1};
  r.retain = true;
  pub->send_publish(std::move(r));
  settle();
  auto sub = v5("sub");
  auto subscribe = [&](const char* filter, std::uint8_t handling) {
    mqtt::Subscription s{filter, 1};
    s.retain_handling = handling;
    sub->subscribe(std::vector<mqtt::Subscription>{s});
    loop_.poll();
    return payloads(*sub).size();
  };
  EXPECT_EQ(subscribe("state/#", 2), 0u) << "2: never";
  EXPECT_EQ(subscribe("state/+", 1), 1u) << "1: a new subscription gets them";
  EXPECT_EQ(subscribe("state/+", 1), 1u) << "1: not when it existed";
  EXPECT_EQ(subscribe("state/+", 0), 2u) << "0: always";
}

TEST_F(EdgeHubMqtt5Test, RefusalsCarryTheirReasonCodesAnd311ClientsGetTheOldAnswers) {
  auto v5_client = v5("v5");
  auto v3_client = plain("v3");
  // IoT Hub topics are not a plain client's: 0x87 Not authorized (3.1.1: 0x80 / a plain PUBACK).
  EXPECT_EQ(v5_client->subscribe({"devices/edge1/#"}, 1), std::vector<std::uint8_t>{mqtt::refusal::not_authorized});
  EXPECT_EQ(v3_client->subscribe({"devices/edge1/#"}, 1), std::vector<std::uint8_t>{mqtt::kSubackFailure});
  const auto t5 = v5_client->send_publish("devices/edge1/messages/events/", "x", 1);
  const auto t3 = v3_client->send_publish("devices/edge1/messages/events/", "x", 1);
  EXPECT_EQ(v5_client->completion_reason(t5), mqtt::refusal::not_authorized);
  EXPECT_EQ(v3_client->completion_reason(t3), mqtt::refusal::not_authorized) << "the session sends 3.1.1 a plain PUBACK";
  // An invalid filter: 0x8F; past max_subscriptions_per_client (3 here): 0x97 Quota exceeded.
  EXPECT_EQ(v5_client->subscribe({"a/#/b"}, 1), std::vector<std::uint8_t>{mqtt::refusal::topic_filter_invalid});
  EXPECT_EQ(v5_client->subscribe({"a", "b", "c", "d"}, 1),
            (std::vector<std::uint8_t>{1, 1, 1, mqtt::refusal::quota_exceeded}));
  EXPECT_EQ(v3_client->subscribe({"a", "b", "c", "d"}, 1), (std::vector<std::uint8_t>{1, 1, 1, mqtt::kSubackFailure}));
  const auto ok = v5_client->send_publish("a", "fine", 1);
  EXPECT_EQ(v5_client->completion_reason(ok), 0) << "success";
}

TEST_F(EdgeHubMqtt5Test, ASharedSubscriptionSpreadsMessagesOverItsMembers) {
  auto w1 = v5("w1");
  auto w2 = v5("w2");
  EXPECT_EQ(w1->subscribe({"$share/workers/jobs/#"}, 1), std::vector<std::uint8_t>{1});
  EXPECT_EQ(w2->subscribe({"$share/workers/jobs/#"}, 1), std::vector<std::uint8_t>{1});
  auto pub = plain("pub");  // a 3.1.1 publisher: shared subscriptions are the subscribers' business
  for (int i = 0; i < 10; ++i) pub->send_publish("jobs/" + std::to_string(i), std::to_string(i), 1);
  EXPECT_EQ(payloads(*w1).size(), 5u);
  EXPECT_EQ(payloads(*w2).size(), 5u);
  EXPECT_EQ(w1->published()[0].topic, "jobs/0") << "delivered on the topic published, not the $share filter";
  EXPECT_EQ(w1->subscribe({"$share/workers/devices/edge1/#"}, 1), std::vector<std::uint8_t>{mqtt::refusal::not_authorized})
      << "a shared subscription to IoT Hub topics is refused for a plain client";
}

}  // namespace
}  // namespace outpost::hub::testing
