// outpost-hub's plain MQTT topics (issue 14) with Paho MQTT C++ clients (Debian's
// libpaho-mqttpp3, MQTT 3.1.1) — the second real client library beside mosquitto's tools
// (hub_plain_mqtt_test.cpp): wildcards, QoS 2 received and delivered exactly once, retained
// messages with their flag, a subscription an authorization policy refuses, and a persistent
// session (its subscription and queued messages) and retained messages across a kill -9 of the hub.
#include <gtest/gtest.h>

#include <mqtt/async_client.h>

#include "hub/hub_process.h"

namespace outpost::testing {
namespace {

using namespace std::chrono_literals;

const HubIdentity kA{"edge1", "A", random_key()};

class HubPahoPlain : public ::testing::Test {
 protected:
  void SetUp() override {
    // Anonymous clients; one policy: anyone may use plant/#, nobody office/#.
    hub_ = std::make_unique<HubProcess>(
        std::vector<HubIdentity>{kA}, nlohmann::json{{"r", "FROM /* INTO $upstream"}},
        "mqtt_broker:\n  allow_anonymous: [mqtt]\n  authorizations:\n"
        "    - identities: [\"{{iot:identity}}\"]\n"
        "      allow: [ { operations: [\"mqtt:publish\", \"mqtt:subscribe\"], resources: [\"plant/#\"] } ]\n");
    hub_->start();
  }

  // `session_present`: the CONNACK's flag, for a persistent session.
  std::unique_ptr<mqtt::async_client> client(const std::string& id, bool clean_session = true,
                                             bool* session_present = nullptr) {
    auto c = std::make_unique<mqtt::async_client>("tcp://127.0.0.1:" + std::to_string(hub_->mqtt_port()), id,
                                                  mqtt::create_options(MQTTVERSION_3_1_1));
    auto options = mqtt::connect_options_builder().clean_session(clean_session).connect_timeout(10s).finalize();
    c->start_consuming();
    const auto connected = c->connect(options);
    EXPECT_TRUE(connected->wait_for(10s)) << hub_->log();
    if (session_present) *session_present = connected->get_connect_response().is_session_present();
    return c;
  }

  // The QoS the hub granted, or 0x80 (Paho reports a refused subscription as a failure).
  static int subscribe(mqtt::async_client& c, const std::string& filter, int qos) {
    try {
      auto token = c.subscribe(filter, qos);
      if (!token->wait_for(10s)) return -1;
      return token->get_subscribe_response().get_reason_codes().at(0);
    } catch (const mqtt::exception&) {
      return 0x80;
    }
  }

  static mqtt::const_message_ptr next(mqtt::async_client& c) {
    mqtt::const_message_ptr m;
    c.try_consume_message_for(&m, 10s);
    return m;
  }

  std::unique_ptr<HubProcess> hub_;
};

TEST_F(HubPahoPlain, Qos2IsReceivedOnceAndDeliveredOnceOnAWildcard) {
  auto sub = client("paho-sub");
  ASSERT_EQ(subscribe(*sub, "plant/+/temp", 2), 2);
  auto pub = client("paho-pub");
  ASSERT_TRUE(pub->publish("plant/line1/temp", "21.5", 2, false)->wait_for(10s)) << "QoS 2 completes (PUBCOMP)";
  ASSERT_TRUE(pub->publish("plant/line1/pressure", "1013", 1, false)->wait_for(10s));
  ASSERT_TRUE(pub->publish("plant/line2/temp", "22", 0, false)->wait_for(10s));
  const auto first = next(*sub);
  ASSERT_TRUE(first) << hub_->log();
  EXPECT_EQ(first->get_topic(), "plant/line1/temp");
  EXPECT_EQ(first->to_string(), "21.5");
  EXPECT_EQ(first->get_qos(), 2) << "QoS 2 both ways: Paho completed PUBREC/PUBREL/PUBCOMP with the hub";
  const auto second = next(*sub);
  ASSERT_TRUE(second) << hub_->log();
  EXPECT_EQ(second->get_topic(), "plant/line2/temp") << "the pressure reading does not match";
  EXPECT_EQ(second->get_qos(), 0) << "the lower of the publish's and the subscription's QoS";
  mqtt::const_message_ptr extra;
  EXPECT_FALSE(sub->try_consume_message_for(&extra, 300ms)) << "QoS 2 arrived once: " << extra->get_topic();
}

TEST_F(HubPahoPlain, RetainedMessagesArriveFlaggedAndAnEmptyOneClears) {
  auto pub = client("paho-retainer");
  ASSERT_TRUE(pub->publish("plant/door", "open", 1, true)->wait_for(10s));
  auto late = client("paho-late");
  ASSERT_EQ(subscribe(*late, "plant/#", 1), 1);
  const auto m = next(*late);
  ASSERT_TRUE(m) << hub_->log();
  EXPECT_EQ(m->to_string(), "open");
  EXPECT_TRUE(m->is_retained());
  ASSERT_TRUE(pub->publish("plant/door", "", 1, true)->wait_for(10s));
  const auto cleared = next(*late);  // the clearing message itself, live
  ASSERT_TRUE(cleared);
  EXPECT_FALSE(cleared->is_retained()) << "a live delivery is not flagged retained";
  auto later = client("paho-later");
  ASSERT_EQ(subscribe(*later, "plant/#", 1), 1);
  mqtt::const_message_ptr none;
  EXPECT_FALSE(later->try_consume_message_for(&none, 300ms)) << "cleared, yet got: " << none->to_string();
}

TEST_F(HubPahoPlain, APolicyRefusesASubscriptionAndItsMessagesNeverArrive) {
  auto sub = client("paho-nosy");
  EXPECT_EQ(subscribe(*sub, "office/#", 1), 0x80);
  ASSERT_EQ(subscribe(*sub, "plant/#", 1), 1);
  auto pub = client("paho-pub2");
  ASSERT_TRUE(pub->publish("office/door", "secret", 1, false)->wait_for(10s)) << "acknowledged, dropped";
  ASSERT_TRUE(pub->publish("plant/ok", "fine", 1, false)->wait_for(10s));
  const auto m = next(*sub);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->get_topic(), "plant/ok") << "the refused message came first";
  EXPECT_GE(hub_->metric("outpost_mqtt_refused_total", "operation=\"subscribe\",reason=\"policy\""), 1);
}

TEST_F(HubPahoPlain, APersistentSessionKeepsItsSubscriptionAndQueuedMessagesAcrossKill9) {
  bool present = true;
  {
    auto keeper = client("paho-keeper", /*clean_session=*/false, &present);
    EXPECT_FALSE(present);
    ASSERT_EQ(subscribe(*keeper, "plant/#", 1), 1);
    ASSERT_TRUE(keeper->disconnect()->wait_for(10s));
  }
  {
    auto pub = client("paho-pub");
    for (int i = 0; i < 5; ++i)  // each acknowledged: the hub holds it durably
      ASSERT_TRUE(pub->publish("plant/reading", std::to_string(i), 1, false)->wait_for(10s));
    pub->publish("plant/reading", "qos0", 0, false)->wait_for(10s);
    pub->disconnect()->wait_for(10s);
  }
  EXPECT_EQ(hub_->metric("edgehub_messages_dropped_total", "reason=\"subscriber_offline\""), 1)
      << "QoS 0 is not kept for an absent client, and that is counted\n" << hub_->metrics();
  hub_->kill();
  hub_->start();
  auto back = client("paho-keeper", /*clean_session=*/false, &present);
  EXPECT_TRUE(present) << "the session survived the kill";
  for (int i = 0; i < 5; ++i) {  // no SUBSCRIBE this time
    const auto m = next(*back);
    ASSERT_TRUE(m) << "message " << i << " of 5 missing\n" << hub_->log();
    EXPECT_EQ(m->to_string(), std::to_string(i)) << "in order";
    EXPECT_EQ(m->get_qos(), 1);
  }
  auto pub = client("paho-pub2");
  ASSERT_TRUE(pub->publish("plant/after", "live", 1, false)->wait_for(10s));
  const auto live = next(*back);
  ASSERT_TRUE(live) << "the restored subscription matches new messages\n" << hub_->log();
  EXPECT_EQ(live->to_string(), "live");
}

TEST_F(HubPahoPlain, RetainedMessagesSurviveAKill9) {
  {
    auto pub = client("paho-retainer");
    ASSERT_TRUE(pub->publish("plant/state", "running", 1, true)->wait_for(10s));
    pub->disconnect()->wait_for(10s);
  }
  hub_->kill();
  hub_->start();
  auto late = client("paho-late");
  ASSERT_EQ(subscribe(*late, "plant/#", 1), 1);
  const auto m = next(*late);
  ASSERT_TRUE(m) << hub_->log();
  EXPECT_EQ(m->to_string(), "running");
  EXPECT_TRUE(m->is_retained());
}

}  // namespace
}  // namespace outpost::testing
