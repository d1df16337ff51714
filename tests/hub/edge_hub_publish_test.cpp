// What clients publish (src/hub/edge_hub_publish.cpp): telemetry through the routes into
// the store and out to a module's input, PUBACKs only once the store made it durable,
// what is dropped and counted, what closes the connection, twin requests and
// twinChangeNotifications, TTL by the ManualClock, and back-pressure when the store is full.
#include <gtest/gtest.h>

#include <set>

#include "hub/hub_test_util.h"
#include "outpost/core/property_bag.h"

namespace outpost::hub::testing {
namespace {

using mqtt::CloseReason;
using nlohmann::json;

const std::string kInputPrefix = "devices/edge1/modules/B/inputs/";

Message delivered_message(const FakeConnection::Published& p) {
  Message m;
  const auto slash = p.topic.find('/', kInputPrefix.size());
  EXPECT_TRUE(decode_property_bag(p.topic.substr(slash + 1), m)) << p.topic;
  m.body = p.payload;
  return m;
}

class EdgeHubPublishTest : public EdgeHubTest {
 protected:
  EdgeHubPublishTest() {
    apply_routes({{"AtoB", R"(FROM /messages/modules/A/outputs/out1 INTO BrokeredEndpoint("/modules/B/inputs/in1"))"}});
  }
};

TEST_F(EdgeHubPublishTest, TelemetryIsRoutedStoredAndDeliveredWithTheHubsProperties) {
  auto a = connect(kModuleA);
  auto b = connect_receiver(kModuleB);
  // The sender's own $.cdid/$.cmid are not trusted: the connection says who sent it.
  const auto ticket = a->send_publish(telemetry_topic(kModuleA, "%24.on=out1&%24.mid=m-1&%24.cdid=evil&prop=v%201"),
                                      R"({"t":21})", 1);
  ASSERT_EQ(b->published().size(), 1u) << "readable from the store at once, before it is durable";
  EXPECT_TRUE(a->completed().empty()) << "no PUBACK before the store made the message durable";
  settle();
  EXPECT_EQ(a->completed(), std::vector<mqtt::PublishTicket>{ticket});

  const auto& p = b->published()[0];
  EXPECT_EQ(p.topic.rfind(kInputPrefix + "in1/", 0), 0u) << p.topic;
  EXPECT_EQ(p.qos, 1);
  const auto m = delivered_message(p);
  EXPECT_EQ(m.body, R"({"t":21})");
  EXPECT_EQ(m.system.get(sysprop::kMessageId), "m-1");
  EXPECT_EQ(m.system.get(sysprop::kConnectionDeviceId), "edge1");
  EXPECT_EQ(m.system.get(sysprop::kConnectionModuleId), "A");
  EXPECT_EQ(m.application.get("prop"), "v 1");
  EXPECT_FALSE(m.system.contains(sysprop::kOutputName));
  EXPECT_EQ(metrics_.received("edge1/A", "out1").value(), 1);
  EXPECT_EQ(waiting("edge1/B/in1"), 1u);
  b->puback(p.tag);
  EXPECT_EQ(waiting("edge1/B/in1"), 0u) << "the module's PUBACK acknowledges the store entry";
}

TEST_F(EdgeHubPublishTest, ThePubackFollowsDurabilityWithoutAnyoneAskingTheHub) {
  // The store's thread does not wake the loop; the hub polls while a PUBACK is owed.
  auto a = connect(kModuleA);
  const auto ticket = a->send_publish(telemetry_topic(kModuleA, "%24.on=out1"), "x", 1);
  store_->flush();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (a->completed().empty() && std::chrono::steady_clock::now() < deadline) loop_.poll();
  ASSERT_EQ(a->completed(), std::vector<mqtt::PublishTicket>{ticket}) << "no PUBACK within 5 s of durability";
}

TEST_F(EdgeHubPublishTest, AStoreCompletingAppendsAfterTheHubIsGoneTouchesNothingOfIt) {
  auto a = connect(kModuleA);
  for (int i = 0; i < 20; ++i) a->send_publish(telemetry_topic(kModuleA, "%24.on=out1"), "x", 1);
  // Destroyed with appends still waiting for durability (the store's sync thread reports
  // them later): those reports must not reach the freed hub (ASan/valgrind see it if they do).
  hub_.reset();
  store_->flush();
  loop_.poll();
  EXPECT_TRUE(a->completed().empty()) << "no PUBACK from a hub that no longer exists";
}

TEST_F(EdgeHubPublishTest, TheHubStampsEnqueuedTimeFromItsClockAndAnEdgeMessageId) {
  apply_routes({{"all", R"(FROM /messages/* INTO BrokeredEndpoint("/modules/B/inputs/in1"))"}});
  auto a = connect(kModuleA);
  auto leaf = connect(kLeaf);
  a->send_publish(telemetry_topic(kModuleA), "from-a", 1);
  clock_.advance(std::chrono::milliseconds(1500));
  leaf->send_publish(telemetry_topic(kLeaf), "from-leaf", 1);
  // The messages as the hub stamped them, read straight from the queue.
  std::vector<Message> queued;
  for (const auto& q : store_->stats())
    for (const auto& entry : store_->read(q.id, 0, 10)) queued.push_back(*entry.message);
  ASSERT_EQ(queued.size(), 2u);
  EXPECT_EQ(queued[0].system.get(sysprop::kEnqueuedTime), format_iso8601(clock_.now() - std::chrono::milliseconds(1500)));
  EXPECT_EQ(queued[1].system.get(sysprop::kEnqueuedTime), format_iso8601(clock_.now()));
  EXPECT_EQ(queued[0].system.get(sysprop::kEdgeHubOriginInterface), "internal");
  EXPECT_EQ(queued[1].system.get(sysprop::kEdgeHubOriginInterface), "downstream");
  EXPECT_FALSE(queued[1].system.contains(sysprop::kConnectionModuleId));
  EXPECT_NE(queued[0].system.get(sysprop::kEdgeMessageId), queued[1].system.get(sysprop::kEdgeMessageId));
}

TEST_F(EdgeHubPublishTest, AMessageWithoutARouteIsAcknowledgedAndCountedAsDropped) {
  auto a = connect(kModuleA);
  const auto ticket = a->send_publish(telemetry_topic(kModuleA, "%24.on=elsewhere"), "lost", 1);
  EXPECT_EQ(a->completed(), std::vector<mqtt::PublishTicket>{ticket}) << "acknowledged at once: nothing to store";
  EXPECT_EQ(dropped("no_route", "edge1/A", "elsewhere"), 1);
  EXPECT_TRUE(a->open());
  EXPECT_EQ(waiting("edge1/B/in1"), 0u);
}

// Over AMQP IoT Hub rejects that one message (amqp:link:message-size-exceeded) and the
// identity stays connected.
TEST_F(EdgeHubPublishTest, AMessageOverTheSizeLimitIsRefusedAloneWhereTheProtocolCan) {
  auto a = connect(kModuleA);
  a->refuse_single_messages();
  const auto ticket = a->send_publish(telemetry_topic(kModuleA, "%24.on=out1"), std::string(kMaxMessageSize, 'x'), 1);
  ASSERT_TRUE(a->refused().contains(ticket));
  EXPECT_EQ(a->refused().at(ticket), mqtt::PublishRefusal::too_large);
  EXPECT_TRUE(a->open());
  EXPECT_EQ(dropped("too_large", "edge1/A", "out1"), 1);
  EXPECT_TRUE(a->completed().empty());
  EXPECT_EQ(waiting("edge1/B/in1"), 0u);
  a->send_publish(telemetry_topic(kModuleA, "%24.on=out1"), "small", 1);
  EXPECT_EQ(waiting("edge1/B/in1"), 1u);
}

TEST_F(EdgeHubPublishTest, AMessageOverTheSizeLimitClosesItsSender) {
  auto a = connect(kModuleA);
  a->send_publish(telemetry_topic(kModuleA, "%24.on=out1"), std::string(kMaxMessageSize, 'x'), 1);
  EXPECT_EQ(a->close_reason(), CloseReason::protocol_error);
  EXPECT_NE(a->close_detail().find("exceeds IoT Hub's limit of 262144 bytes"), std::string::npos) << a->close_detail();
  EXPECT_EQ(dropped("too_large", "edge1/A", "out1"), 1);
  EXPECT_TRUE(a->completed().empty());
  EXPECT_EQ(waiting("edge1/B/in1"), 0u);
}

TEST_F(EdgeHubPublishTest, PublishingAsAnotherIdentityClosesTheConnectionAndRoutesNothing) {
  apply_routes({{"toB", R"(FROM /* INTO BrokeredEndpoint("/modules/B/inputs/in1"))"}});
  auto a = connect(kModuleA);
  a->send_publish(telemetry_topic(kModuleB), "spoofed", 1);
  EXPECT_EQ(a->close_reason(), CloseReason::protocol_error);
  EXPECT_EQ(a->close_detail(), "'edge1/A' published as 'edge1/B'");
  EXPECT_TRUE(a->completed().empty());
  EXPECT_EQ(waiting("edge1/B/in1"), 0u);
  auto leaf = connect(kLeaf);
  leaf->send_publish(telemetry_topic(kOtherLeaf), "spoofed", 0);
  EXPECT_EQ(leaf->close_reason(), CloseReason::protocol_error);
}

TEST_F(EdgeHubPublishTest, ABrokenPropertyBagOrTopicClosesTheConnection) {
  auto a = connect(kModuleA);
  a->send_publish(telemetry_topic(kModuleA, "bad=%zz"), "x", 1);
  EXPECT_EQ(a->close_reason(), CloseReason::protocol_error);
  auto b = connect(kModuleB);
  b->send_publish("$iothub/twin/GET/", "", 0);  // a twin request without $rid
  EXPECT_EQ(b->close_reason(), CloseReason::protocol_error);
}

TEST_F(EdgeHubPublishTest, UnknownTopicsAreAcknowledgedAndDropped) {
  auto a = connect(kModuleA);
  // Under devices/ but not IoT Hub's (other topics are plain MQTT: edge_hub_plain_test.cpp).
  const auto ticket = a->send_publish("devices/edge1/modules/A/unknown", "x", 1);
  EXPECT_EQ(a->completed(), std::vector<mqtt::PublishTicket>{ticket});
  EXPECT_TRUE(a->open());
  EXPECT_EQ(dropped("unknown_topic", "edge1/A"), 1);
}

TEST_F(EdgeHubPublishTest, TwinGetAndReportedPatchAreAnsweredOnTheTwinResponseTopic) {
  auto a = connect(kModuleA);
  a->send_publish("$iothub/twin/PATCH/properties/reported/?$rid=1", R"({"fw":"2.0"})", 0);
  a->send_publish("$iothub/twin/GET/?$rid=2", "", 0);
  a->send_publish("$iothub/twin/PATCH/properties/reported/?$rid=3", "[1,2]", 0);
  a->send_publish("$iothub/twin/PATCH/properties/reported/?$rid=4", R"({"a$b":1})", 0);
  ASSERT_EQ(a->published().size(), 4u);
  EXPECT_EQ(a->published()[0].topic, "$iothub/twin/res/204/?$rid=1&$version=2");
  EXPECT_EQ(a->published()[1].topic, "$iothub/twin/res/200/?$rid=2");
  EXPECT_EQ(json::parse(a->published()[1].payload)["reported"]["fw"], "2.0");
  EXPECT_EQ(a->published()[2].topic, "$iothub/twin/res/400/?$rid=3");
  EXPECT_EQ(json::parse(a->published()[2].payload)["errorCode"], 400004);
  EXPECT_EQ(a->published()[3].topic, "$iothub/twin/res/400/?$rid=4");
  EXPECT_EQ(metrics_.reported_properties("edge1/A").value(), 1);
  EXPECT_EQ(metrics_.get_twin("edge1/A").value(), 1);
}

TEST_F(EdgeHubPublishTest, AReportedPatchNestedTooDeepIsRefusedByName) {
  auto a = connect(kModuleA);
  const std::string deep = R"({"a":)" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  a->send_publish("$iothub/twin/PATCH/properties/reported/?$rid=1", deep, 0);
  ASSERT_EQ(a->published().size(), 1u);
  EXPECT_EQ(a->published()[0].topic, "$iothub/twin/res/400/?$rid=1");
  EXPECT_NE(a->published()[0].payload.find("nested deeper than 128 levels"), std::string::npos)
      << a->published()[0].payload;
  a->send_publish("$iothub/twin/GET/?$rid=2", "", 0);
  ASSERT_EQ(a->published().size(), 2u);
  EXPECT_EQ(json::parse(a->published()[1].payload)["reported"], json::parse(R"({"$version":1})"));
}

TEST_F(EdgeHubPublishTest, ReportedPropertiesAreRoutedAsTwinChangeNotifications) {
  apply_routes({{"twins", R"(FROM /twinChangeNotifications INTO BrokeredEndpoint("/modules/B/inputs/twin"))"}});
  auto a = connect(kModuleA);
  auto b = connect_receiver(kModuleB);
  a->send_publish("$iothub/twin/PATCH/properties/reported/?$rid=1", R"({"fw":"3.1"})", 0);
  ASSERT_EQ(b->published().size(), 1u);
  const auto& p = b->published()[0];
  EXPECT_EQ(p.topic.rfind(kInputPrefix + "twin/", 0), 0u) << p.topic;
  const auto m = delivered_message(p);
  EXPECT_EQ(m.system.get(sysprop::kConnectionModuleId), "A") << "the reporter travels in $.cmid";
  EXPECT_EQ(m.system.get(sysprop::kContentType), "application/json");
  // The message type has no property-bag key: it shows in the stored message (and upstream).
  const auto queued = store_->read(store_->stats().at(0).id, 0, 1);
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].message->system.get(sysprop::kMessageType), "twinChangeNotification");
  EXPECT_EQ(json::parse(p.payload), json::parse(R"({"properties":{"reported":{"fw":"3.1"}}})"));
}

TEST_F(EdgeHubPublishTest, AnUnroutedTwinChangeIsNotCountedAsDropped) {
  auto a = connect(kModuleA);
  a->send_publish("$iothub/twin/PATCH/properties/reported/?$rid=1", R"({"fw":"3.1"})", 0);
  EXPECT_EQ(dropped("no_route", "edge1/A"), 0);
}

TEST_F(EdgeHubPublishTest, HigherPriorityRoutesAreDeliveredFirst) {
  apply_routes({{"low", {{"route", R"(FROM /messages/modules/A/outputs/low INTO BrokeredEndpoint("/modules/B/inputs/in1"))"},
                         {"priority", 5}}},
                {"high", {{"route", R"(FROM /messages/modules/A/outputs/high INTO BrokeredEndpoint("/modules/B/inputs/in1"))"},
                          {"priority", 0}}}});
  auto a = connect(kModuleA);
  for (int i = 0; i < 2; ++i) a->send_publish(telemetry_topic(kModuleA, "%24.on=low"), "low" + std::to_string(i), 1);
  for (int i = 0; i < 2; ++i) a->send_publish(telemetry_topic(kModuleA, "%24.on=high"), "high" + std::to_string(i), 1);
  auto b = connect_receiver(kModuleB);
  EXPECT_EQ(payloads(*b), (std::vector<std::string>{"high0", "high1", "low0", "low1"}));
}

TEST_F(EdgeHubPublishTest, UnacknowledgedDeliveriesComeAgainInOrderAfterAReconnect) {
  auto a = connect(kModuleA);
  for (int i = 1; i <= 3; ++i) a->send_publish(telemetry_topic(kModuleA, "%24.on=out1"), "m" + std::to_string(i), 1);
  settle();
  EXPECT_EQ(a->pubacks_sent(), 3u);
  auto b = connect_receiver(kModuleB, /*clean_session=*/false);
  ASSERT_EQ(payloads(*b), (std::vector<std::string>{"m1", "m2", "m3"}));
  b->drop(CloseReason::transport_error);  // no PUBACKs: all three were in flight
  loop_.poll();

  auto again = connect(kModuleB, /*clean_session=*/false);  // persistent session: no SUBSCRIBE
  ASSERT_EQ(payloads(*again), (std::vector<std::string>{"m1", "m2", "m3"}));
  for (const auto& p : again->published()) again->puback(p.tag);
  EXPECT_EQ(waiting("edge1/B/in1"), 0u);
  EXPECT_EQ(metrics_.sent("edge1/A", "edge1/B", "out1", "in1", routing::kDefaultRoutePriority).value(), 3);
  again->drop(CloseReason::client_disconnect);
  loop_.poll();
  EXPECT_TRUE(connect(kModuleB, false)->published().empty()) << "acknowledged messages must not come back";
}

TEST_F(EdgeHubPublishTest, MessagesExpireAfterTheirRoutesTtlByTheClock) {
  apply_routes({{"short", {{"route", R"(FROM /messages/modules/A/outputs/short INTO BrokeredEndpoint("/modules/B/inputs/in1"))"},
                           {"priority", 0},
                           {"timeToLiveSecs", 60}}},
                {"default", R"(FROM /messages/modules/A/outputs/long INTO BrokeredEndpoint("/modules/B/inputs/in1"))"}},
               /*ttl_secs=*/3600);
  auto a = connect(kModuleA);
  a->send_publish(telemetry_topic(kModuleA, "%24.on=short"), "short-lived", 1);
  a->send_publish(telemetry_topic(kModuleA, "%24.on=long"), "long-lived", 1);
  clock_.advance(std::chrono::seconds(59));
  EXPECT_EQ(hub_->expire_messages(), 0u);
  clock_.advance(std::chrono::seconds(2));
  EXPECT_EQ(hub_->expire_messages(), 1u);
  EXPECT_EQ(dropped("ttl_expiry"), 1);
  auto b = connect_receiver(kModuleB);
  EXPECT_EQ(payloads(*b), std::vector<std::string>{"long-lived"}) << "the store-and-forward TTL (1 h) still holds";
  clock_.advance(std::chrono::hours(1));
  EXPECT_EQ(hub_->expire_messages(), 1u) << "the in-flight delivery expires too: it was never acknowledged";
}

TEST_F(EdgeHubPublishTest, ANegativeTtlNeverExpires) {
  apply_routes({{"AtoB", R"(FROM /messages/modules/A/* INTO BrokeredEndpoint("/modules/B/inputs/in1"))"}}, -1);
  connect(kModuleA)->send_publish(telemetry_topic(kModuleA), "forever", 1);
  clock_.advance(std::chrono::hours(24 * 365));
  EXPECT_EQ(hub_->expire_messages(), 0u);
  EXPECT_EQ(payloads(*connect_receiver(kModuleB)), std::vector<std::string>{"forever"});
}

// With the store capped, publishers are back-pressured: their PUBACKs are held and reading
// paused, nothing is dropped, and once the consumer frees space every held message is
// stored, acknowledged and delivered.
TEST_F(EdgeHubPublishTest, AFullStoreHoldsPubacksAndPausesTheSenderUntilSpaceFrees) {
  restart_hub(/*max_bytes=*/256 * 1024);
  auto a = connect(kModuleA);
  const std::string body(8 * 1024, 'x');
  int sent = 0;
  while (!a->paused()) {
    ASSERT_LT(sent, 200) << "the store never reported full";
    a->send_publish(telemetry_topic(kModuleA, "%24.on=out1"), std::to_string(sent) + ":" + body, 1);
    ++sent;
  }
  // A few more arrive before the server stops reading; they queue behind the parked one.
  for (int i = 0; i < 3; ++i, ++sent)
    a->send_publish(telemetry_topic(kModuleA, "%24.on=out1"), std::to_string(sent) + ":" + body, 1);
  settle();
  EXPECT_LT(a->pubacks_sent(), static_cast<std::size_t>(sent)) << "the cap must hold back PUBACKs";
  EXPECT_GT(a->pubacks_sent(), 0u);
  EXPECT_GE(a->pause_calls(), 1);
  EXPECT_EQ(dropped("store_full", "edge1/A", "out1"), 0);

  auto b = connect_receiver(kModuleB);
  std::set<int> received;
  ASSERT_TRUE(settle_until([&] {
    for (const auto& p : b->in_flight()) {
      received.insert(std::stoi(p.payload.substr(0, p.payload.find(':'))));
      b->puback(p.tag);
    }
    return received.size() == static_cast<std::size_t>(sent) && a->pubacks_sent() == static_cast<std::size_t>(sent);
  })) << "delivered " << received.size() << " and acknowledged " << a->pubacks_sent() << " of " << sent;
  EXPECT_FALSE(a->paused());
  EXPECT_EQ(a->resume_calls(), 1);
  EXPECT_TRUE(a->open());
}

// Held publishes are bounded in total (limits.max_held_messages) and let go when their sender
// leaves: nothing was acknowledged, so the client sends them again; memory does not grow.
TEST_F(EdgeHubPublishTest, HeldPublishesAreBoundedAndReleasedWhenTheirSenderLeaves) {
  settings_.max_held_messages = 3;
  restart_hub(/*max_bytes=*/256 * 1024);
  const std::string body(8 * 1024, 'x');
  auto a = connect(kModuleA);
  for (int sent = 0; !a->paused(); ++sent) {
    ASSERT_LT(sent, 200) << "the store never reported full";
    a->send_publish(telemetry_topic(kModuleA, "%24.on=out1"), body, 1);
  }
  EXPECT_EQ(metrics_.messages_held().value(), 1);
  // A fake connection ignores the pause, as several senders together would add up.
  a->send_publish(telemetry_topic(kModuleA, "%24.on=out1"), body, 1);
  a->send_publish(telemetry_topic(kModuleA, "%24.on=out1"), body, 1);
  EXPECT_EQ(metrics_.messages_held().value(), 3);
  EXPECT_TRUE(a->open());
  a->send_publish(telemetry_topic(kModuleA, "%24.on=out1"), body, 1);
  EXPECT_FALSE(a->open()) << "past max_held_messages the sender is disconnected, not held";
  EXPECT_EQ(metrics_.unacknowledged("held_limit").value(), 1);
  EXPECT_EQ(metrics_.messages_held().value(), 0) << "its held publishes went with it";
  EXPECT_EQ(metrics_.unacknowledged("sender_left_while_held").value(), 3);

  // A sender that leaves by itself releases its held publish too.
  auto again = connect(kModuleA);
  again->send_publish(telemetry_topic(kModuleA, "%24.on=out1"), body, 1);
  EXPECT_EQ(metrics_.messages_held().value(), 1);
  again->drop(mqtt::CloseReason::transport_error);
  EXPECT_EQ(metrics_.messages_held().value(), 0);
  EXPECT_EQ(metrics_.unacknowledged("sender_left_while_held").value(), 4);
}

TEST_F(EdgeHubPublishTest, AFullStoreDropsQos0MessagesAndCountsThem) {
  restart_hub(/*max_bytes=*/256 * 1024);
  auto a = connect(kModuleA);
  const std::string body(8 * 1024, 'x');
  for (int i = 0; i < 64 && dropped("store_full", "edge1/A", "out1") == 0; ++i)
    a->send_publish(telemetry_topic(kModuleA, "%24.on=out1"), body, 0);
  EXPECT_EQ(dropped("store_full", "edge1/A", "out1"), 1);
  EXPECT_FALSE(a->paused()) << "QoS 0 has no PUBACK to hold back";
}

}  // namespace
}  // namespace outpost::hub::testing
