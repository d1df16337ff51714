// Plain MQTT topics (src/hub/subscription_trie.cpp, retained_messages.cpp, plain_broker.cpp):
// wildcard matching as MQTT 3.1.1 §4.7 has it, '$' topics, retained messages and their caps,
// fan-out at the lower QoS, one delivery per subscriber, the subscription limit.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "plain_broker.h"
#include "plain_topic.h"
#include "retained_messages.h"
#include "subscription_trie.h"
#include "outpost/mqtt_codec/topic.h"
#include "support/fake_connection.h"

namespace outpost::hub {
namespace {

using outpost::testing::FakeConnection;

std::set<std::pair<std::uint64_t, int>> matches(const SubscriptionTrie& trie, std::string_view topic) {
  std::set<std::pair<std::uint64_t, int>> out;
  trie.match(topic, [&](std::uint64_t id, std::uint8_t qos) { out.emplace(id, qos); });
  return out;
}

TEST(SubscriptionTrieTest, MatchesWildcardsAsMqtt311Says) {
  SubscriptionTrie trie;
  trie.add("a/b/c", 1, 0);
  trie.add("a/+/c", 2, 1);
  trie.add("a/#", 3, 0);
  trie.add("#", 4, 0);
  trie.add("+/+", 5, 0);
  trie.add("a/b/c/#", 6, 0);
  trie.add("/+", 7, 0);
  using M = std::set<std::pair<std::uint64_t, int>>;
  EXPECT_EQ(matches(trie, "a/b/c"), (M{{1, 0}, {2, 1}, {3, 0}, {4, 0}, {6, 0}}));
  EXPECT_EQ(matches(trie, "a"), (M{{3, 0}, {4, 0}})) << "a/# matches its parent level";
  EXPECT_EQ(matches(trie, "a/x"), (M{{3, 0}, {4, 0}, {5, 0}}));
  EXPECT_EQ(matches(trie, "/x"), (M{{4, 0}, {5, 0}, {7, 0}})) << "an empty first level is a level";
  EXPECT_EQ(matches(trie, "a/b/c/d/e"), (M{{3, 0}, {4, 0}, {6, 0}}));
  EXPECT_EQ(matches(trie, "b/b/c"), (M{{4, 0}}));
}

TEST(SubscriptionTrieTest, DollarTopicsAreNotMatchedByALeadingWildcard) {
  SubscriptionTrie trie;
  trie.add("#", 1, 0);
  trie.add("+/info", 2, 0);
  trie.add("$SYS/#", 3, 0);
  trie.add("a/$x", 4, 0);
  using M = std::set<std::pair<std::uint64_t, int>>;
  EXPECT_EQ(matches(trie, "$SYS/info"), (M{{3, 0}}));
  EXPECT_EQ(matches(trie, "a/$x"), (M{{1, 0}, {4, 0}})) << "only the first level counts";
}

TEST(SubscriptionTrieTest, AgreesWithTheCodecsTopicMatchesOnManyPairs) {
  const std::vector<std::string> filters = {"#", "+", "+/+", "a/#", "a/+", "a/+/c", "/#", "+/#", "a//c", "$s/#", "a/b", "+/b/#"};
  const std::vector<std::string> topics = {"a", "a/b", "a/b/c", "/", "//", "a//c", "/a", "$s/x", "$s", "b/b", "a/b/c/d", "x/b"};
  SubscriptionTrie trie;
  for (std::size_t i = 0; i < filters.size(); ++i) trie.add(filters[i], i, 0);
  for (const auto& topic : topics) {
    std::set<std::uint64_t> expected, got;
    for (std::size_t i = 0; i < filters.size(); ++i)
      if (mqtt::topic_matches(filters[i], topic)) expected.insert(i);
    trie.match(topic, [&](std::uint64_t id, std::uint8_t) { got.insert(id); });
    EXPECT_EQ(got, expected) << "topic '" << topic << "'";
  }
}

TEST(SubscriptionTrieTest, RemovePrunesAndUpdatesTheSize) {
  SubscriptionTrie trie;
  EXPECT_TRUE(trie.add("a/b", 1, 0));
  EXPECT_FALSE(trie.add("a/b", 1, 1)) << "the same filter again updates its QoS";
  EXPECT_TRUE(trie.add("a/b", 2, 0));
  EXPECT_EQ(trie.size(), 2u);
  EXPECT_EQ(matches(trie, "a/b"), (std::set<std::pair<std::uint64_t, int>>{{1, 1}, {2, 0}}));
  EXPECT_TRUE(trie.remove("a/b", 1));
  EXPECT_FALSE(trie.remove("a/b", 1));
  EXPECT_FALSE(trie.remove("a/c", 2));
  EXPECT_TRUE(trie.remove("a/b", 2));
  EXPECT_EQ(trie.size(), 0u);
  EXPECT_TRUE(matches(trie, "a/b").empty());
}

TEST(RetainedMessagesTest, KeepsTheLastPerTopicAndAnEmptyPayloadClears) {
  RetainedMessages retained(10, 1000);
  EXPECT_EQ(retained.set("a/b", "1", 1), RetainedMessages::Outcome::stored);
  EXPECT_EQ(retained.set("a/b", "2", 0), RetainedMessages::Outcome::stored);
  EXPECT_EQ(retained.set("a/c", "3", 1), RetainedMessages::Outcome::stored);
  std::vector<std::string> seen;
  retained.for_each_matching("a/+", [&](const std::string& t, const std::string& p, std::uint8_t q) {
    seen.push_back(t + "=" + p + "@" + std::to_string(q));
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"a/b=2@0", "a/c=3@1"}));
  EXPECT_EQ(retained.set("a/b", "", 0), RetainedMessages::Outcome::cleared);
  EXPECT_EQ(retained.size(), 1u);
  EXPECT_EQ(retained.bytes(), 4u);
}

TEST(RetainedMessagesTest, RefusesNewTopicsPastItsCapsButStillReplacesAndClears) {
  RetainedMessages retained(2, 20);
  EXPECT_EQ(retained.set("t1", "x", 0), RetainedMessages::Outcome::stored);
  EXPECT_EQ(retained.set("t2", "x", 0), RetainedMessages::Outcome::stored);
  EXPECT_EQ(retained.set("t3", "x", 0), RetainedMessages::Outcome::refused) << "count cap";
  EXPECT_EQ(retained.set("t1", "y", 0), RetainedMessages::Outcome::stored) << "replacing is fine";
  EXPECT_EQ(retained.set("t1", std::string(30, 'z'), 0), RetainedMessages::Outcome::refused) << "byte cap";
  EXPECT_EQ(retained.set("t2", "", 0), RetainedMessages::Outcome::cleared);
  EXPECT_EQ(retained.set("t3", "x", 0), RetainedMessages::Outcome::stored);
}

MqttBrokerConfig limits(std::size_t subscriptions = 100) {
  MqttBrokerConfig c;
  c.max_subscriptions_per_client = subscriptions;
  return c;
}

TEST(PlainBrokerTest, DeliversOncePerSubscriberAtTheLowerQos) {
  PlainBroker broker(limits());
  auto s0 = FakeConnection::make(nullptr, "s0");
  auto s1 = FakeConnection::make(nullptr, "s1");
  EXPECT_EQ(broker.subscribe(s0, "a/#", 0).code, 0);
  EXPECT_EQ(broker.subscribe(s1, "a/+", 1).code, 1);
  EXPECT_EQ(broker.subscribe(s1, "a/b", 2).code, 2);
  EXPECT_EQ(broker.publish("a/b", "hi", 1, false).deliveries, 2u);
  ASSERT_EQ(s0->published().size(), 1u);
  EXPECT_EQ(s0->published()[0].qos, 0);
  ASSERT_EQ(s1->published().size(), 1u) << "two matching filters, one delivery";
  EXPECT_EQ(s1->published()[0].qos, 1);
  EXPECT_FALSE(s1->published()[0].retain);
  EXPECT_EQ(broker.publish("a/b", "q0", 0, false).deliveries, 2u);
  EXPECT_EQ(s1->published().back().qos, 0);
  EXPECT_EQ(broker.publish("a/b", "q2", 2, false).deliveries, 2u);
  EXPECT_EQ(s1->published().back().qos, 2) << "its QoS 2 filter: delivered at QoS 2";
  EXPECT_EQ(s0->published().back().qos, 0);
}

TEST(PlainBrokerTest, RetainedMessagesForALateSubscriberAtTheGrantedQos) {
  PlainBroker broker(limits());
  broker.publish("s/temp", "21", 1, true);
  broker.publish("s/hum", "40", 0, true);
  broker.publish("s/hum", "", 0, true);  // cleared
  auto late = FakeConnection::make(nullptr, "late");
  const auto granted = broker.subscribe(late, "s/#", 1);
  const auto retained = broker.retained_for("s/#", granted.code);
  ASSERT_EQ(retained.size(), 1u);
  EXPECT_EQ(retained[0].topic, "s/temp");
  EXPECT_EQ(retained[0].payload, "21");
  EXPECT_EQ(retained[0].qos, 1);
  EXPECT_EQ(broker.retained_for("s/#", 0)[0].qos, 0) << "at most the granted QoS";
}

TEST(PlainBrokerTest, TheSubscriptionLimitIsPerClientAndUnsubscribeAndRemoveFreeIt) {
  PlainBroker broker(limits(2));
  auto c = FakeConnection::make(nullptr, "c");
  EXPECT_EQ(broker.subscribe(c, "a", 0).code, 0);
  EXPECT_EQ(broker.subscribe(c, "b", 0).code, 0);
  EXPECT_EQ(broker.subscribe(c, "b", 1).code, 1) << "the same filter again is not a new one";
  const auto refused = broker.subscribe(c, "c", 0);
  EXPECT_EQ(refused.code, mqtt::kSubackFailure);
  EXPECT_NE(refused.refused.find("limit"), std::string::npos) << refused.refused;
  broker.unsubscribe(*c, "a");
  EXPECT_EQ(broker.subscribe(c, "c", 0).code, 0);
  auto other = FakeConnection::make(nullptr, "other");
  EXPECT_EQ(broker.subscribe(other, "a", 0).code, 0) << "another client has its own limit";
  broker.remove(*c);
  EXPECT_EQ(broker.subscriptions(), 1u);
  EXPECT_EQ(broker.publish("b", "x", 0, false).deliveries, 0u);
}

TEST(PlainTopicTest, IotHubTopicsAreDevicesAndIothubOnly) {
  EXPECT_TRUE(is_iothub_topic("devices/d/messages/events/"));
  EXPECT_TRUE(is_iothub_topic("$iothub/twin/GET/?$rid=1"));
  EXPECT_TRUE(is_plain_topic("sensors/1/temp"));
  EXPECT_TRUE(is_plain_topic("#"));
  EXPECT_TRUE(is_plain_topic("$SYS/x"));
  EXPECT_TRUE(is_plain_topic("devices"));
}

}  // namespace
}  // namespace outpost::hub
