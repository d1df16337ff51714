// Plain MQTT topics (src/hub/subscription_trie.cpp, retained_messages.cpp, plain_broker.cpp):
// wildcard matching as MQTT 3.1.1 §4.7 has it, '$' topics, retained messages and their caps,
// fan-out at the lower QoS, one target per session, the subscription limit, sessions by client id.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "plain_broker.h"
#include "plain_topic.h"
#include "retained_messages.h"
#include "subscription_trie.h"
#include "support/fake_connection.h"
#include "outpost/mqtt_codec/topic.h"

namespace outpost::hub {
namespace {

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
  retained.for_each_matching("a/+", [&](const std::string& t, const std::string& p, std::uint8_t q, const auto&) {
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

// The QoS of each session a publish reaches, by client id.
std::map<std::string, int> reached(PlainBroker& broker, std::string_view topic, std::uint8_t qos) {
  std::map<std::string, int> out;
  for (const auto& t : broker.match(topic, qos)) out[broker.session(t.session)->client_id] = t.qos;
  return out;
}

TEST(PlainBrokerTest, ReachesEachSessionOnceAtTheLowerQos) {
  PlainBroker broker(limits());
  auto& s0 = broker.open("s0");
  auto& s1 = broker.open("s1");
  EXPECT_EQ(broker.subscribe(s0, "a/#", 0).code, 0);
  EXPECT_EQ(broker.subscribe(s1, "a/+", 1).code, 1);
  EXPECT_EQ(broker.subscribe(s1, "a/b", 2).code, 2);
  EXPECT_EQ(reached(broker, "a/b", 1), (std::map<std::string, int>{{"s0", 0}, {"s1", 1}}))
      << "two matching filters of s1, one target";
  EXPECT_EQ(reached(broker, "a/b", 0), (std::map<std::string, int>{{"s0", 0}, {"s1", 0}}));
  EXPECT_EQ(reached(broker, "a/b", 2), (std::map<std::string, int>{{"s0", 0}, {"s1", 2}}))
      << "its QoS 2 filter: reached at QoS 2";
  EXPECT_EQ(reached(broker, "a/c", 2), (std::map<std::string, int>{{"s0", 0}, {"s1", 1}}));
  EXPECT_EQ(s1.qos_for("a/b", 2), 2);
  EXPECT_EQ(s1.qos_for("a/c", 2), 1);
  EXPECT_EQ(s1.qos_for("b", 2), std::nullopt);
}

TEST(PlainBrokerTest, RetainedMessagesForALateSubscriberAtTheGrantedQos) {
  PlainBroker broker(limits());
  EXPECT_TRUE(broker.retain("s/temp", "21", 1));
  EXPECT_TRUE(broker.retain("s/hum", "40", 0));
  EXPECT_TRUE(broker.retain("s/hum", "", 0));  // cleared
  auto& late = broker.open("late");
  const auto granted = broker.subscribe(late, "s/#", 1);
  const auto retained = broker.retained_for("s/#", granted.code);
  ASSERT_EQ(retained.size(), 1u);
  EXPECT_EQ(retained[0].topic, "s/temp");
  EXPECT_EQ(retained[0].payload, "21");
  EXPECT_EQ(retained[0].qos, 1);
  EXPECT_EQ(broker.retained_for("s/#", 0)[0].qos, 0) << "at most the granted QoS";
}

TEST(PlainBrokerTest, TheSubscriptionLimitIsPerSessionAndUnsubscribeAndCloseFreeIt) {
  PlainBroker broker(limits(2));
  auto& c = broker.open("c");
  EXPECT_EQ(broker.subscribe(c, "a", 0).code, 0);
  EXPECT_EQ(broker.subscribe(c, "b", 0).code, 0);
  EXPECT_EQ(broker.subscribe(c, "b", 1).code, 1) << "the same filter again is not a new one";
  const auto refused = broker.subscribe(c, "c", 0);
  EXPECT_EQ(refused.code, mqtt::kSubackFailure);
  EXPECT_NE(refused.refused.find("limit"), std::string::npos) << refused.refused;
  EXPECT_TRUE(broker.unsubscribe(c, "a"));
  EXPECT_FALSE(broker.unsubscribe(c, "a"));
  EXPECT_EQ(broker.subscribe(c, "c", 0).code, 0);
  auto& other = broker.open("other");
  EXPECT_EQ(broker.subscribe(other, "a", 0).code, 0) << "another session has its own limit";
  EXPECT_EQ(broker.subscribe(other, "a/#/b", 0).code, mqtt::kSubackFailure) << "an invalid filter";
  broker.close("c");
  EXPECT_EQ(broker.find("c"), nullptr);
  EXPECT_EQ(broker.subscriptions(), 1u);
  EXPECT_TRUE(broker.match("b", 0).empty());
}

TEST(PlainBrokerTest, SessionsAreByClientIdAndPersistentOnesAreCounted) {
  PlainBroker broker(limits());
  auto& a = broker.open("a");
  EXPECT_EQ(&broker.open("a"), &a) << "the same client id: the same session";
  EXPECT_EQ(broker.session(a.id), &a);
  broker.set_persistent(a, true);
  broker.set_persistent(a, true);
  broker.set_persistent(broker.open("b"), true);
  EXPECT_EQ(broker.persistent_sessions(), 2u);
  const auto id = a.id;
  broker.close("a");
  EXPECT_EQ(broker.persistent_sessions(), 1u);
  EXPECT_EQ(broker.session(id), nullptr) << "its id finds nothing once it ended";
  EXPECT_EQ(broker.sessions().size(), 1u);
}

TEST(PlainBrokerTest, NoLocalSkipsThePublisherAndRetainAsPublishedKeepsTheFlag) {
  PlainBroker broker(limits());
  auto& me = broker.open("me");
  auto& other = broker.open("other");
  EXPECT_EQ(broker.subscribe(me, "chat/#", PlainFilter{.qos = 1, .no_local = true}).code, 1);
  EXPECT_EQ(broker.subscribe(other, "chat/#", PlainFilter{.qos = 1, .retain_as_published = true}).code, 1);
  auto targets = broker.match("chat/1", 1, /*retain=*/true, /*publisher=*/me.id);
  ASSERT_EQ(targets.size(), 1u) << "No Local: not back to its own publisher";
  EXPECT_EQ(targets[0].session, other.id);
  EXPECT_TRUE(targets[0].retain) << "Retain As Published keeps RETAIN";
  targets = broker.match("chat/1", 1, /*retain=*/true, /*publisher=*/other.id);
  ASSERT_EQ(targets.size(), 2u) << "another publisher reaches both";
  for (const auto& t : targets)
    EXPECT_EQ(t.retain, t.session == other.id) << "without Retain As Published the flag is cleared";
  EXPECT_EQ(broker.subscribe(me, "chat/+", 0).code, 0);
  targets = broker.match("chat/1", 1, false, me.id);
  EXPECT_EQ(targets.size(), 2u) << "a second filter of the publisher's without No Local still matches";
}

TEST(PlainBrokerTest, SubscriptionIdentifiersOfTheMatchingFilters) {
  PlainBroker broker(limits());
  auto& s = broker.open("s");
  broker.subscribe(s, "a/#", PlainFilter{.qos = 1, .subscription_id = 5});
  broker.subscribe(s, "a/+", PlainFilter{.qos = 1, .subscription_id = 9});
  broker.subscribe(s, "b", PlainFilter{.qos = 1});
  EXPECT_EQ(s.with_ids, 2u);
  EXPECT_EQ(s.subscription_ids_for("a/x"), (std::vector<std::uint32_t>{5, 9}));
  EXPECT_EQ(s.subscription_ids_for("a/x/y"), (std::vector<std::uint32_t>{5}));
  EXPECT_TRUE(s.subscription_ids_for("b").empty());
  broker.subscribe(s, "a/+", PlainFilter{.qos = 1});  // subscribed again without one
  EXPECT_EQ(s.subscription_ids_for("a/x"), (std::vector<std::uint32_t>{5}));
  broker.unsubscribe(s, "a/#");
  EXPECT_EQ(s.with_ids, 0u);
}

TEST(PlainBrokerTest, ASharedSubscriptionGivesEachMessageToOneConnectedMemberInTurn) {
  PlainBroker broker(limits());
  std::vector<std::shared_ptr<testing::FakeConnection>> connections;
  std::vector<PlainSession*> members;
  for (const char* id : {"w1", "w2", "w3"}) {
    auto& s = broker.open(id);
    connections.push_back(testing::FakeConnection::make(nullptr, id));
    s.connection = connections.back();
    EXPECT_EQ(broker.subscribe(s, "$share/workers/jobs/#", 1).code, 1);
    members.push_back(&s);
  }
  auto& plain = broker.open("plain");
  broker.subscribe(plain, "jobs/#", 0);
  auto& other_group = broker.open("audit");
  other_group.connection = connections[0];
  broker.subscribe(other_group, "$share/audit/jobs/#", 1);
  std::map<std::string, int> got;
  for (int i = 0; i < 6; ++i) {
    const auto reached_now = reached(broker, "jobs/" + std::to_string(i), 1);
    EXPECT_EQ(reached_now.count("plain"), 1u) << "an ordinary subscription gets every message";
    EXPECT_EQ(reached_now.count("audit"), 1u) << "each group gets every message once";
    int workers = 0;
    for (const auto& [id, qos] : reached_now)
      if (id.starts_with("w")) ++workers, ++got[id];
    EXPECT_EQ(workers, 1) << "one member of the group per message";
  }
  EXPECT_EQ(got, (std::map<std::string, int>{{"w1", 2}, {"w2", 2}, {"w3", 2}})) << "in turn";
  connections[1]->drop(mqtt::CloseReason::transport_error);  // w2 went away
  got.clear();
  for (int i = 0; i < 4; ++i)
    for (const auto& [id, qos] : reached(broker, "jobs/x", 1))
      if (id.starts_with("w")) ++got[id];
  EXPECT_EQ(got, (std::map<std::string, int>{{"w1", 2}, {"w3", 2}})) << "only connected members while some are";
  broker.unsubscribe(*members[0], "$share/workers/jobs/#");
  broker.close("w3");
  got.clear();
  for (const auto& [id, qos] : reached(broker, "jobs/x", 1))
    if (id.starts_with("w")) ++got[id];
  EXPECT_EQ(got, (std::map<std::string, int>{{"w2", 1}})) << "the last member, though away";
  broker.close("w2");
  EXPECT_EQ(reached(broker, "jobs/x", 1).size(), 2u) << "the group is gone with its last member";
}

TEST(PlainBrokerTest, SharedSubscriptionsAreCheckedAndGetNoRetainedMessages) {
  PlainBroker broker(limits());
  auto& s = broker.open("s");
  EXPECT_TRUE(broker.retain("jobs/1", "x", 1));
  EXPECT_EQ(broker.subscribe(s, "$share/g/jobs/#", 1).code, 1);
  EXPECT_TRUE(broker.retained_for("$share/g/jobs/#", 1).empty()) << "§4.8.2: no retained messages";
  EXPECT_EQ(broker.retained_for("jobs/#", 1).size(), 1u);
  for (const char* bad : {"$share/g", "$share//a", "$share/g+/a", "$share/g/a/#/b"})
    EXPECT_EQ(broker.subscribe(s, bad, 1).code, mqtt::kSubackFailure) << bad;
  const auto no_local = broker.subscribe(s, "$share/g/x", PlainFilter{.qos = 1, .no_local = true});
  EXPECT_EQ(no_local.code, mqtt::kSubackFailure);
  EXPECT_NE(no_local.refused.find("No Local"), std::string::npos) << no_local.refused;
  EXPECT_EQ(subscribed_filter("$share/g/devices/d/#"), "devices/d/#") << "its filter decides IoT Hub or plain";
  EXPECT_EQ(subscribed_filter("a/b"), "a/b");
}

TEST(PlainBrokerTest, AnAbsentGroupGoesToAPersistentMemberWhoseQueueKeepsIt) {
  PlainBroker broker(limits());
  auto& clean = broker.open("clean");
  auto& kept1 = broker.open("kept1");
  auto& kept2 = broker.open("kept2");
  broker.set_persistent(kept1, true);
  broker.set_persistent(kept2, true);
  for (auto* s : {&clean, &kept1, &kept2}) broker.subscribe(*s, "$share/g/t", 1);
  std::map<std::string, int> got;
  for (int i = 0; i < 4; ++i)
    for (const auto& [id, qos] : reached(broker, "t", 1)) ++got[id];
  EXPECT_EQ(got, (std::map<std::string, int>{{"kept1", 2}, {"kept2", 2}}))
      << "nobody connected: persistent members in turn, never the clean one";
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
