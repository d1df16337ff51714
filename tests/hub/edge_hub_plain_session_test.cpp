// Persistent plain MQTT sessions (src/hub/edge_hub_plain_sessions.cpp, plain_session_delivery.cpp):
// subscriptions kept while the client is away and across a hub restart, QoS 1 messages queued
// in the store (the publisher's PUBACK waits for that), QoS 0 for an absent client dropped and
// counted, a clean CONNECT or another owner discarding the session, and both caps; retained
// messages kept in the store across a restart (edge_hub_retained.cpp); MQTT 5 session expiry
// and will delay (edge_hub_plain_expiry.cpp), on real timers of 1 s.
#include <gtest/gtest.h>

#include <chrono>

#include "hub/edge_hub_plain_fixture.h"

namespace outpost::hub::testing {
namespace {

using mqtt::CloseReason;
using mqtt::ConnectReturnCode;

TEST_F(EdgeHubPlainTest, APersistentSessionQueuesQos1WhileAwayAndKeepsItAcrossARestart) {
  bool present = true;
  auto sub = persistent("keeper", &present);
  EXPECT_FALSE(present) << "a new session";
  EXPECT_EQ(sub->subscribe({"plant/#"}, 1), std::vector<std::uint8_t>{1});
  sub->drop(CloseReason::client_disconnect);
  auto pub = plain("pub");
  const auto t1 = pub->send_publish("plant/a", "1", 1);
  pub->send_publish("plant/b", "qos0", 0);
  const auto t2 = pub->send_publish("plant/c", "2", 1);
  EXPECT_TRUE(pub->completed().empty()) << "the PUBACK waits for the store";
  settle();
  EXPECT_EQ(pub->completed(), (std::vector<mqtt::PublishTicket>{t1, t2}));
  EXPECT_EQ(dropped("subscriber_offline", "mqtt:sensor"), 1) << "QoS 0 is not kept for an absent client";
  restart_hub();
  auto back = persistent("keeper", &present);
  EXPECT_TRUE(present);
  ASSERT_EQ(payloads(*back), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(back->published()[0].topic, "plant/a");
  EXPECT_EQ(back->published()[0].qos, 1);
  // Acknowledged: gone. Not acknowledged: sent again on the next connection.
  EXPECT_TRUE(back->puback(back->published()[0].tag));
  back->drop(CloseReason::keep_alive_timeout);
  auto again = persistent("keeper", &present);
  EXPECT_EQ(payloads(*again), std::vector<std::string>{"2"});
  EXPECT_TRUE(again->puback(again->published()[0].tag));
  // The subscription came back with the session: new messages arrive without a SUBSCRIBE.
  auto pub2 = plain("pub2");
  pub2->send_publish("plant/d", "3", 1);
  settle();
  EXPECT_EQ(payloads(*again), (std::vector<std::string>{"2", "3"}));
}

TEST_F(EdgeHubPlainTest, ACleanConnectDiscardsTheSessionAndCountsWhatWasQueued) {
  auto sub = persistent("k");
  sub->subscribe({"x"}, 1);
  sub->drop(CloseReason::client_disconnect);
  auto pub = plain("pub");
  pub->send_publish("x", "1", 1);
  pub->send_publish("x", "2", 1);
  settle();
  auto clean = plain("k");
  EXPECT_EQ(dropped("session_discarded"), 2);
  EXPECT_TRUE(clean->published().empty());
  clean->drop(CloseReason::client_disconnect);
  bool present = true;
  auto fresh = persistent("k", &present);
  EXPECT_FALSE(present);
  pub->send_publish("x", "3", 1);
  settle();
  EXPECT_TRUE(fresh->published().empty()) << "the old subscription went with the old session";
}

TEST_F(EdgeHubPlainTest, SomeoneElseWithTheSameClientIdDoesNotGetTheSession) {
  auto sub = persistent("k");
  sub->subscribe({"secret/#"}, 1);
  sub->drop(CloseReason::client_disconnect);
  plain("pub")->send_publish("secret/a", "for sensor", 1);
  settle();
  bool present = true;
  auto other = persistent("k", &present, std::nullopt, std::nullopt);  // anonymous
  EXPECT_FALSE(present);
  EXPECT_TRUE(other->published().empty());
  EXPECT_EQ(dropped("session_discarded"), 1);
}

TEST_F(EdgeHubPlainTest, PersistentSessionsAndTheirQueuesAreCapped) {
  settings_.mqtt_broker.max_persistent_sessions = 1;
  settings_.mqtt_broker.max_queued_messages = 2;
  restart_hub();
  auto a = persistent("a");
  auto b = FakeConnection::make(hub_.get(), "b");
  auto packet = plain_packet("b", "sensor", "s3cret");
  packet.clean_session = false;
  EXPECT_EQ(b->connect(packet).code, ConnectReturnCode::server_unavailable);
  EXPECT_EQ(metrics_.connect_failed("mqtt:sensor", "sessions").value(), 1);
  plain("b");  // a clean session is not limited
  a->subscribe({"t"}, 1);
  a->drop(CloseReason::client_disconnect);
  auto pub = plain("pub");
  for (const char* m : {"1", "2", "3"}) pub->send_publish("t", m, 1);
  settle();
  EXPECT_EQ(pub->completed().size(), 3u) << "a message past the queue cap is acknowledged and counted";
  EXPECT_EQ(dropped("session_queue_full", "mqtt:sensor"), 1);
  EXPECT_EQ(payloads(*persistent("a")), (std::vector<std::string>{"1", "2"}));
}

TEST_F(EdgeHubPlainTest, AnIotHubModuleKeepsItsPlainSubscriptionsInItsPersistentSession) {
  auto a = connect(kModuleA, /*clean_session=*/false);
  EXPECT_EQ(a->subscribe({"cmd/A"}, 2), std::vector<std::uint8_t>{2});
  a->drop(CloseReason::keep_alive_timeout);
  plain("operator")->send_publish("cmd/A", "restart", 2);
  settle();
  restart_hub();
  auto back = connect(kModuleA, false);
  ASSERT_EQ(payloads(*back), std::vector<std::string>{"restart"});
  EXPECT_EQ(back->published()[0].qos, 2);
  back->drop(CloseReason::client_disconnect);
  connect(kModuleA, /*clean_session=*/true)->drop(CloseReason::client_disconnect);
  plain("operator2")->send_publish("cmd/A", "again", 1);
  settle();
  EXPECT_TRUE(connect(kModuleA, false)->published().empty()) << "a clean CONNECT ended the plain session too";
  EXPECT_EQ(dropped("session_discarded"), 1) << "the unacknowledged 'restart'";
}

std::uint64_t queue_length(const EdgeHub& hub, const std::string& name) {
  for (const auto& q : hub.status().queues)
    if (q.name == name) return q.length;
  return 0;
}

TEST_F(EdgeHubPlainTest, RetainedMessagesAndTheirClearingSurviveARestart) {
  auto pub = plain("pub");
  const auto t1 = pub->send_publish("door/1", "open", 1, true);
  EXPECT_TRUE(pub->completed().empty()) << "a retained message is acknowledged once it is on disk";
  settle();
  EXPECT_EQ(pub->completed(), std::vector<mqtt::PublishTicket>{t1});
  pub->send_publish("door/2", "shut", 1, true);
  pub->send_publish("door/1", "closed", 0, true);  // replaces; QoS 0 is kept as well
  pub->send_publish("door/2", "", 1, true);        // clears
  pub->send_publish("door/3", "", 1, true);        // clears nothing: nothing stored
  settle();
  EXPECT_EQ(queue_length(*hub_, "mqtt-retained"), 1u) << "replaced and cleared records are acknowledged";
  restart_hub();
  auto late = plain("late");
  EXPECT_EQ(late->subscribe({"door/#"}, 1), std::vector<std::uint8_t>{1});
  loop_.poll();  // retained messages follow the SUBACK
  ASSERT_EQ(payloads(*late), std::vector<std::string>{"closed"});
  EXPECT_TRUE(late->published()[0].retain);
  EXPECT_EQ(late->published()[0].qos, 0) << "the QoS it was published with";
  late->send_publish("door/1", "", 1, true);
  settle();
  restart_hub();
  auto later = plain("later");
  later->subscribe({"door/#"}, 1);
  loop_.poll();
  EXPECT_TRUE(later->published().empty()) << "the clearing was kept too";
  EXPECT_EQ(queue_length(*hub_, "mqtt-retained"), 0u);
}

TEST_F(EdgeHubPlainTest, StoredRetainedMessagesPastLoweredCapsAreDroppedAndCounted) {
  auto pub = plain("pub");
  for (const char* topic : {"a", "b", "c"}) pub->send_publish(topic, "x", 1, true);
  settle();
  settings_.mqtt_broker.max_retained_messages = 2;
  restart_hub();
  EXPECT_EQ(refused("retain", "retained_limit"), 1);
  EXPECT_EQ(queue_length(*hub_, "mqtt-retained"), 2u);
}


// ---- MQTT 5: Session Expiry Interval, Will Delay Interval, DISCONNECT 0x04 ----

using namespace std::chrono_literals;

class EdgeHubPlainV5Test : public EdgeHubPlainTest {
 protected:
  // An MQTT 5 CONNECT as the server hands it over: Session Expiry Interval 0 means clean.
  std::shared_ptr<FakeConnection> v5(const std::string& client_id, std::uint32_t session_expiry,
                                     bool* present = nullptr, std::optional<mqtt::Will> will = std::nullopt) {
    auto c = FakeConnection::make(hub_.get(), client_id);
    auto packet = plain_packet(client_id, "sensor", "s3cret");
    packet.protocol_level = mqtt::kMqtt5;
    packet.clean_session = session_expiry == 0;
    if (session_expiry > 0) packet.properties.session_expiry_interval = session_expiry;
    packet.will = std::move(will);
    const auto decision = c->connect(packet);
    EXPECT_EQ(decision.code, ConnectReturnCode::accepted) << client_id;
    if (present) *present = decision.session_present;
    loop_.poll();
    return c;
  }
  static mqtt::Will delayed_will(const std::string& topic, std::uint32_t delay) {
    mqtt::Will will{topic, "gone", 0, false, {}};
    will.properties.will_delay_interval = delay;
    return will;
  }
  // Whether the session of `client_id` is still kept: a 3.1.1 cleanSession=0 CONNECT resumes it.
  bool session_kept(const std::string& client_id) {
    bool present = false;
    persistent(client_id, &present)->drop(CloseReason::client_disconnect);
    return present;
  }
};

TEST_F(EdgeHubPlainV5Test, ASessionEndsItsExpiryIntervalAfterItsClientLeftAndItsRecordGoes) {
  auto sub = v5("brief", 1);
  EXPECT_EQ(sub->subscribe({"x"}, 1), std::vector<std::uint8_t>{1});
  const auto left = std::chrono::steady_clock::now();
  sub->drop(CloseReason::transport_error);
  plain("pub")->send_publish("x", "queued", 1);
  settle();
  EXPECT_EQ(dropped("session_discarded"), 0) << "kept while the interval runs";
  ASSERT_TRUE(settle_until([&] { return dropped("session_discarded") == 1; })) << "the queued message goes with it";
  EXPECT_GE(std::chrono::steady_clock::now() - left, 900ms);
  restart_hub();
  bool present = true;
  v5("brief", 1, &present);
  EXPECT_FALSE(present) << "its state.db record was removed too";
}

TEST_F(EdgeHubPlainV5Test, AStoredSessionExpiresAfterARestartCountedFromTheStart) {
  auto sub = v5("away", 1);
  sub->subscribe({"x"}, 1);
  sub->drop(CloseReason::transport_error);
  plain("pub")->send_publish("x", "queued", 1);
  settle();
  restart_hub();  // as if killed: the timer was lost, the interval is in state.db
  EXPECT_EQ(dropped("session_discarded"), 0);
  ASSERT_TRUE(settle_until([&] { return dropped("session_discarded") == 1; }));
  EXPECT_FALSE(session_kept("away"));
}

TEST_F(EdgeHubPlainV5Test, ReturningBeforeTheIntervalKeepsTheSessionAndLeavingAgainRestartsIt) {
  auto sub = v5("back", 1);
  sub->subscribe({"x"}, 1);
  sub->drop(CloseReason::transport_error);
  bool present = false;
  auto again = v5("back", 1, &present);
  EXPECT_TRUE(present);
  // The first absence's timer would have fired by now.
  EXPECT_FALSE(settle_until([&] { return dropped("session_discarded") > 0 || !again->open(); }, 1500ms));
  plain("pub")->send_publish("x", "still subscribed", 1);
  settle();
  EXPECT_EQ(payloads(*again), std::vector<std::string>{"still subscribed"});
  again->drop(CloseReason::transport_error);  // the unacknowledged message waits in the queue
  ASSERT_TRUE(settle_until([&] { return dropped("session_discarded") == 1; }));
}

TEST_F(EdgeHubPlainV5Test, TheDisconnectsSessionExpiryReplacesTheConnects) {
  auto sub = v5("changer", 3600);
  sub->subscribe({"x"}, 1);
  sub->disconnect_with_expiry(1);
  plain("pub")->send_publish("x", "queued", 1);
  settle();
  restart_hub();  // the new interval was stored
  ASSERT_TRUE(settle_until([&] { return dropped("session_discarded") == 1; }));
  auto ender = v5("ender", 3600);
  ender->subscribe({"y"}, 1);
  ender->disconnect_with_expiry(0);
  EXPECT_FALSE(session_kept("ender")) << "0: it ends with the connection";
}

TEST_F(EdgeHubPlainV5Test, ADelayedWillIsPublishedAfterItsIntervalOrNotIfTheClientReturns) {
  auto watcher = plain("watcher");
  watcher->subscribe({"status/#"}, 0);
  const auto left = std::chrono::steady_clock::now();
  v5("late", 60, nullptr, delayed_will("status/late", 1))->drop(CloseReason::transport_error);
  loop_.poll();
  EXPECT_TRUE(watcher->published().empty()) << "not at once";
  ASSERT_TRUE(settle_until([&] { return payloads(*watcher) == std::vector<std::string>{"gone"}; }));
  EXPECT_GE(std::chrono::steady_clock::now() - left, 900ms);
  watcher->clear_published();
  v5("flaky", 60, nullptr, delayed_will("status/flaky", 1))->drop(CloseReason::transport_error);
  auto back = v5("flaky", 60);
  EXPECT_FALSE(settle_until([&] { return !watcher->published().empty(); }, 1500ms)) << "it came back in time";
}

TEST_F(EdgeHubPlainV5Test, ADelayedWillGoesWhenItsSessionEndsFirst) {
  auto watcher = plain("watcher");
  watcher->subscribe({"status/#"}, 0);
  v5("short", 1, nullptr, delayed_will("status/short", 3600))->drop(CloseReason::keep_alive_timeout);
  ASSERT_TRUE(settle_until([&] { return payloads(*watcher) == std::vector<std::string>{"gone"}; }));
  EXPECT_FALSE(session_kept("short"));
  // No session beyond the connection: the delay does not apply.
  v5("clean", 0, nullptr, delayed_will("status/clean", 3600))->drop(CloseReason::transport_error);
  loop_.poll();
  EXPECT_EQ(payloads(*watcher), (std::vector<std::string>{"gone", "gone"}));
}

TEST_F(EdgeHubPlainV5Test, ADisconnectWithWillMessagePublishesTheWill) {
  auto watcher = plain("watcher");
  watcher->subscribe({"status/#"}, 0);
  v5("normal", 0, nullptr, mqtt::Will{"status/normal", "normal", 0, false, {}})->drop(CloseReason::client_disconnect);
  v5("asks", 0, nullptr, mqtt::Will{"status/asks", "asked", 0, false, {}})
      ->drop(CloseReason::client_disconnect_with_will);
  loop_.poll();
  EXPECT_EQ(payloads(*watcher), std::vector<std::string>{"asked"}) << "reason 0x04 keeps the will, 0 does not";
}

}  // namespace
}  // namespace outpost::hub::testing
