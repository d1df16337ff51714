// FROM semantics: a message's source path, and the prefix test against a route's FROM.
#include "outpost/routing/message_source.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "outpost/routing/route.h"
#include "outpost/routing/route_table.h"
#include "routing_test_util.h"

namespace outpost::routing {
namespace {

using testing::MessageBuilder;

Message leaf() { return MessageBuilder().from_device("leaf1"); }
Message module_output(std::string module, std::string output) {
  return MessageBuilder().from_module(std::move(module), std::move(output));
}
Message module_without_output(std::string module) { return MessageBuilder().from_module(std::move(module)); }
Message twin_change() {
  return MessageBuilder().from_module("$edgeHub").sys(sysprop::kMessageType, "twinChangeNotification");
}

TEST(MessageSource, Paths) {
  EXPECT_EQ(MessageSource(leaf()).path(), "/messages");
  EXPECT_EQ(MessageSource(module_output("A", "out1")).path(), "/messages/modules/A/outputs/out1");
  EXPECT_EQ(MessageSource(module_without_output("A")).path(), "/messages/modules/A");
  EXPECT_EQ(MessageSource(twin_change()).path(), "/twinChangeNotifications");
  EXPECT_EQ(MessageSource(MessageBuilder().sys(sysprop::kMessageType, "TwinChangeNotification")).path(),
            "/twinChangeNotifications");
  EXPECT_EQ(MessageSource(Message{}).path(), "/messages");
  EXPECT_TRUE(MessageSource(leaf()).is_telemetry());
  EXPECT_FALSE(MessageSource(twin_change()).is_telemetry());
}

TEST(SourceFilter, NormalisesThePrefix) {
  EXPECT_EQ(SourceFilter("/*").prefix(), "/");
  EXPECT_EQ(SourceFilter("/**").prefix(), "/");
  EXPECT_EQ(SourceFilter("/messages/*").prefix(), "/messages/");
  EXPECT_EQ(SourceFilter("/messages").prefix(), "/messages/");
  EXPECT_EQ(SourceFilter("/messages/Modules/A/").prefix(), "/messages/modules/a/");
  EXPECT_EQ(SourceFilter("/messages/modules*").prefix(), "/messages/modules/");
  EXPECT_TRUE(SourceFilter("/*").matches_everything());
}

// Each FROM path against the same five messages.
struct FromCase {
  const char* from;
  bool leaf, a_out1, a_out2, a_plain, b_out1, twin;
};

TEST(SourceFilter, PrefixSemantics) {
  const Message messages[] = {leaf(), module_output("A", "out1"), module_output("A", "out2"),
                              module_without_output("A"), module_output("B", "out1"), twin_change()};
  const std::vector<FromCase> cases = {
      {"/*", true, true, true, true, true, true},
      {"/messages/*", true, true, true, true, true, false},
      {"/messages", true, true, true, true, true, false},
      {"/messages/modules/*", false, true, true, true, true, false},
      {"/messages/modules*", false, true, true, true, true, false},  // one ID, still a prefix
      {"/messages/modules", false, true, true, true, true, false},
      {"/messages/modules/A/*", false, true, true, true, false, false},
      {"/messages/modules/A", false, true, true, true, false, false},
      {"/messages/modules/a/*", false, true, true, true, false, false},  // case-insensitive
      {"/messages/modules/A/outputs/*", false, true, true, false, false, false},
      {"/messages/modules/A/outputs/out1", false, true, false, false, false, false},
      {"/MESSAGES/MODULES/A/OUTPUTS/OUT1", false, true, false, false, false, false},
      {"/messages/modules/A/outputs/out", false, false, false, false, false, false},  // segment-wise, not text-wise
      {"/messages/modules/AB", false, false, false, false, false, false},
      {"/messages/modules/*/outputs/out1", false, false, false, false, false, false},  // '*' only trails
      {"/twinChangeNotifications", false, false, false, false, false, true},
      {"/messages/events", false, false, false, false, false, false},  // legacy path: matches nothing now
      {"/modules/A", false, false, false, false, false, false},
  };
  for (const auto& c : cases) {
    const SourceFilter filter(c.from);
    const bool expected[] = {c.leaf, c.a_out1, c.a_out2, c.a_plain, c.b_out1, c.twin};
    for (std::size_t i = 0; i < std::size(messages); ++i)
      EXPECT_EQ(filter.matches(messages[i]), expected[i]) << "FROM " << c.from << " vs " << MessageSource(messages[i]).path();
  }
}

TEST(SourceFilter, RoutesUseIt) {
  auto route = compile_route("r", "FROM /messages/modules/A/* WHERE $outputName = 'out1' INTO $upstream");
  ASSERT_TRUE(route) << route.error();
  EXPECT_TRUE(route->matches(module_output("A", "out1")));
  EXPECT_FALSE(route->matches(module_output("A", "out2")));  // WHERE false
  EXPECT_FALSE(route->matches(module_output("B", "out1")));  // FROM does not cover it
  EXPECT_EQ(route->evaluate(module_output("B", "out1")), Truth::true_);  // evaluate() is the condition alone
}

// Outpost's plain MQTT topics: /topics/{topic}, and only for FROM paths under /topics.
TEST(SourceFilter, PlainTopicsOnlyMatchTopicsPaths) {
  // As the hub builds it: the topic, and the hub's own sender ids.
  const Message plain = MessageBuilder().from_module("$edgeHub").sys(sysprop::kMqttTopic, "plant/line1/temp");
  EXPECT_EQ(MessageSource(plain).path(), "/topics/plant/line1/temp");
  EXPECT_TRUE(MessageSource(plain).is_plain_topic());
  EXPECT_FALSE(MessageSource(leaf()).is_plain_topic());
  for (const char* from : {"/topics/*", "/topics", "/topics/plant/*", "/topics/plant/line1/temp", "/TOPICS/Plant/*"})
    EXPECT_TRUE(SourceFilter(from).matches(plain)) << from;
  for (const char* from : {"/*", "/messages/*", "/messages/modules/$edgeHub/*", "/topics/plant/line2/*", "/topics/plan"})
    EXPECT_FALSE(SourceFilter(from).matches(plain)) << from << ": IoT Hub routes keep taking what they took";
  EXPECT_FALSE(SourceFilter("/topics/*").matches(leaf()));
  EXPECT_TRUE(SourceFilter("/topics/*").takes_topics());
  EXPECT_FALSE(SourceFilter("/*").takes_topics());
  auto table = RouteTable::compile({{"iot", "FROM /* INTO $upstream"}});
  ASSERT_TRUE(table);
  EXPECT_FALSE(table->takes_topics());
  table = RouteTable::compile({{"iot", "FROM /* INTO $upstream"},
                               {"plc", R"(FROM /topics/plant/* WHERE $body.t > 30 INTO BrokeredEndpoint("/modules/B/inputs/hot"))"}});
  ASSERT_TRUE(table) << table.error();
  EXPECT_TRUE(table->takes_topics());
}

}  // namespace
}  // namespace outpost::routing
