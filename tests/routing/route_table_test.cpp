// The route table: matches per endpoint, priority and TTL selection, undefined conditions.
#include "outpost/routing/route_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "routing_test_util.h"

namespace outpost::routing {
namespace {

using testing::MessageBuilder;

const Endpoint kUpstream = Endpoint::upstream();
const Endpoint kFilterIn = Endpoint::module_input("filter", "input1");

RouteTable table(const std::vector<RouteSpec>& specs) {
  auto t = RouteTable::compile(specs);
  EXPECT_TRUE(t) << t.error();
  return t ? std::move(t).value() : RouteTable{};
}

TEST(RouteTable, EmptyTableMatchesNothing) {
  RouteTable t;
  EXPECT_TRUE(t.empty());
  EXPECT_TRUE(t.match(MessageBuilder().from_device("d")).empty());
}

TEST(RouteTable, OneMatchPerEndpointAtTheLowestPriorityNumber) {
  const auto t = table({
      {"all", "FROM /messages/* INTO $upstream"},  // default priority, TTL 0
      {"alerts", "FROM /messages/modules/A/outputs/alerts INTO $upstream", 0, 86400},
      {"data", "FROM /messages/modules/A/* INTO $upstream", 1, 1800},
      {"toFilter", R"(FROM /messages/modules/A/* INTO BrokeredEndpoint("/modules/filter/inputs/input1"))", 5, 60},
  });
  ASSERT_EQ(t.endpoints().size(), 2u);

  const auto alerts = t.match(MessageBuilder().from_module("A", "alerts"));
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(*alerts[0].endpoint, kUpstream);
  EXPECT_EQ(alerts[0].priority, 0u);
  EXPECT_EQ(alerts[0].ttl_secs, 86400u);  // the winning route's TTL
  EXPECT_EQ(alerts[0].route->name(), "alerts");
  EXPECT_EQ(*alerts[1].endpoint, kFilterIn);
  EXPECT_EQ(alerts[1].priority, 5u);
  EXPECT_EQ(alerts[1].ttl_secs, 60u);
  EXPECT_EQ(&t.endpoints()[alerts[1].endpoint_index], alerts[1].endpoint);

  const auto data = t.match(MessageBuilder().from_module("A", "data"));
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0].priority, 1u);
  EXPECT_EQ(data[0].ttl_secs, 1800u);

  const auto leaf = t.match(MessageBuilder().from_device("leaf"));
  ASSERT_EQ(leaf.size(), 1u);
  EXPECT_EQ(*leaf[0].endpoint, kUpstream);
  EXPECT_EQ(leaf[0].priority, kDefaultRoutePriority);
  EXPECT_EQ(leaf[0].ttl_secs, 0u);
}

TEST(RouteTable, EqualPrioritiesGoToTheEarlierRoute) {
  const auto t = table({{"first", "FROM /* INTO $upstream", 3, 10}, {"second", "FROM /* INTO $upstream", 3, 20}});
  const auto m = t.match(Message{});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].route->name(), "first");
  EXPECT_EQ(m[0].ttl_secs, 10u);
}

TEST(RouteTable, ALowerPriorityRouteStillMatchesWhenTheHigherOneDoesNot) {
  const auto t = table({
      {"urgent", "FROM /* WHERE level = 'alert' INTO $upstream", 0, 100},
      {"normal", "FROM /* INTO $upstream", 2, 200},
  });
  auto m = t.match(MessageBuilder().app("level", "alert"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].priority, 0u);
  m = t.match(MessageBuilder().app("level", "info"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].priority, 2u);
  m = t.match(Message{});  // undefined condition: no match for "urgent"
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].route->name(), "normal");
}

TEST(RouteTable, ModuleEndpointsAreDistinctByModuleAndInput) {
  const auto t = table({
      {"a", R"(FROM /* INTO BrokeredEndpoint("/modules/m/inputs/in1"))"},
      {"b", R"(FROM /* INTO BrokeredEndpoint("/modules/m/inputs/in2"))"},
      {"c", R"(FROM /* INTO BrokeredEndpoint("/modules/M/inputs/in1"))"},
      {"d", R"(FROM /* INTO BrokeredEndpoint('/modules/m/inputs/in1'))"},
  });
  EXPECT_EQ(t.endpoints().size(), 3u);
  EXPECT_EQ(t.match(Message{}).size(), 3u);
}

TEST(RouteTable, NoRouteMeansNoMatch) {
  const auto t = table({{"r", "FROM /messages/modules/A/* INTO $upstream"}});
  EXPECT_TRUE(t.match(MessageBuilder().from_device("leaf")).empty());
}

TEST(RouteTable, TheFirstErrorFailsTheTableAndNamesTheRoute) {
  auto t = RouteTable::compile({{"good", "FROM /* INTO $upstream"}, {"bad", "FROM /* WHERE temp > 5 INTO $upstream"}});
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().rfind("route 'bad': column 20:", 0), 0u) << t.error();
}

TEST(RouteTable, ReusesTheOutputVectorAndSharesOneBodyParse) {
  const auto t = table({
      {"hot", "FROM /* WHERE $body.temp > 30 INTO $upstream", 0},
      {"cold", R"(FROM /* WHERE $body.temp < 0 INTO BrokeredEndpoint("/modules/heater/inputs/in"))"},
      {"named", R"(FROM /* WHERE $body.name = 'x' INTO BrokeredEndpoint("/modules/log/inputs/in"))"},
  });
  std::vector<RouteMatch> out;
  t.match(MessageBuilder().json(R"({"temp": 35, "name": "x"})"), out);
  EXPECT_EQ(out.size(), 2u);
  t.match(MessageBuilder().json(R"({"temp": -5})"), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].endpoint->module, "heater");
  t.match(MessageBuilder().body("not json"), out);
  EXPECT_TRUE(out.empty());
}

TEST(RouteTable, CopiesAreIndependent) {
  RouteTable copy;
  {
    const auto original = table({{"r", "FROM /* WHERE a = 'b' INTO $upstream"}});
    copy = original;
  }
  const auto m = copy.match(MessageBuilder().app("a", "b"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].route->text(), "FROM /* WHERE a = 'b' INTO $upstream");
  EXPECT_EQ(copy.spec(0).name, "r");
}

}  // namespace
}  // namespace outpost::routing
