// The $edgeHub desired-properties parser: schema versions, route specs, store-and-forward,
// and errors that name the field or the route.
#include "outpost/routing/edgehub_config.h"

#include <gtest/gtest.h>

#include <string>

namespace outpost::routing {
namespace {

EdgeHubConfig parsed(std::string_view json) {
  auto config = parse_edgehub_desired(json);
  EXPECT_TRUE(config) << config.error();
  if (!config) std::abort();
  return std::move(config).value();
}

std::string config_error_of(std::string_view json) {
  auto config = parse_edgehub_desired(json);
  EXPECT_FALSE(config) << json;
  return config ? std::string() : config.error();
}

TEST(EdgeHubConfig, ReferenceExample) {
  const auto config = parsed(R"({
    "schemaVersion": "1.1",
    "routes": { "r1": "FROM /messages/* INTO $upstream",
                "r2": { "route": "FROM /messages/modules/A/outputs/alerts INTO $upstream", "priority": 0, "timeToLiveSecs": 86400 } },
    "storeAndForwardConfiguration": { "timeToLiveSecs": 7200, "storeLimits": { "maxSizeBytes": 1000000 } },
    "$version": 12, "$metadata": { "$lastUpdated": "2024-01-01T00:00:00Z" } })");
  EXPECT_EQ(config.schema_version, "1.1");
  ASSERT_EQ(config.routes.size(), 2u);
  EXPECT_EQ(config.routes[0], (RouteSpec{"r1", "FROM /messages/* INTO $upstream", kDefaultRoutePriority, 0}));
  EXPECT_EQ(config.routes[1], (RouteSpec{"r2", "FROM /messages/modules/A/outputs/alerts INTO $upstream", 0, 86400}));
  EXPECT_EQ(config.route_table.size(), 2u);
  EXPECT_EQ(config.store_and_forward.ttl_secs, 7200);
  EXPECT_EQ(config.store_and_forward.max_size_bytes, 1000000);
  EXPECT_FALSE(config.store_and_forward.never_expires());
  EXPECT_TRUE(config.notes.empty());
}

TEST(EdgeHubConfig, SchemaVersions) {
  const char* sf = R"("storeAndForwardConfiguration": {"timeToLiveSecs": 10})";
  for (const char* v : {"1.0", "1.1", "1.2", "1.3", "1.1.0", "1.0.0.0"})
    EXPECT_EQ(parsed(std::string(R"({"schemaVersion": ")") + v + R"(", "routes": {}, )" + sf + "}").schema_version, v);
  EXPECT_EQ(config_error_of(std::string(R"({"schemaVersion": "2.0", "routes": {}, )") + sf + "}"),
            "schemaVersion: unsupported version '2.0' (supported: 1.0 to 1.3)");
  EXPECT_EQ(config_error_of(std::string(R"({"schemaVersion": "1.4", "routes": {}, )") + sf + "}"),
            "schemaVersion: unsupported version '1.4' (supported: 1.0 to 1.3)");
  EXPECT_EQ(config_error_of(std::string(R"({"schemaVersion": "one", "routes": {}, )") + sf + "}"),
            "schemaVersion: 'one' is not a version such as \"1.1\"");
  EXPECT_EQ(config_error_of(std::string(R"({"schemaVersion": 1.1, "routes": {}, )") + sf + "}"),
            "schemaVersion: must be a string such as \"1.1\", got 1.1");
}

TEST(EdgeHubConfig, RequiredSections) {
  EXPECT_EQ(config_error_of(R"({"routes": {}, "storeAndForwardConfiguration": {"timeToLiveSecs": 1}})"),
            "schemaVersion: missing (expected \"1.0\" to \"1.3\")");
  EXPECT_EQ(config_error_of(R"({"schemaVersion": "1.0", "storeAndForwardConfiguration": {"timeToLiveSecs": 1}})"),
            "routes: missing (use {} for no routes)");
  EXPECT_EQ(config_error_of(R"({"schemaVersion": "1.0", "routes": {}})"), "storeAndForwardConfiguration: missing");
  EXPECT_EQ(config_error_of(R"({"schemaVersion": "1.0", "routes": [], "storeAndForwardConfiguration": {"timeToLiveSecs": 1}})"),
            "routes: must be an object of named routes");
  EXPECT_EQ(config_error_of(R"({"schemaVersion": "1.0", "routes": {}, "storeAndForwardConfiguration": {}})"),
            "storeAndForwardConfiguration.timeToLiveSecs: missing (seconds; -1 for no expiry)");
  EXPECT_EQ(config_error_of("[]"), "$edgeHub desired properties: must be a JSON object");
  EXPECT_EQ(config_error_of("{").rfind("$edgeHub desired properties: invalid JSON: ", 0), 0u);
}

TEST(EdgeHubConfig, Schema10TakesOnlyStrings) {
  EXPECT_EQ(config_error_of(R"({"schemaVersion": "1.0", "routes": {"r": {"route": "FROM /* INTO $upstream"}},
                        "storeAndForwardConfiguration": {"timeToLiveSecs": 1}})"),
            "routes.r: schemaVersion 1.0 takes only route strings (use \"1.1\" for route objects with priority and "
            "timeToLiveSecs)");
  // edgeHub's 1.0 parser skips blank and null routes.
  const auto config = parsed(R"({"schemaVersion": "1.0", "routes": {"blank": "  ", "nil": null, "r": "FROM /* INTO $upstream"},
                                 "storeAndForwardConfiguration": {"timeToLiveSecs": 1}})");
  ASSERT_EQ(config.routes.size(), 1u);
  EXPECT_EQ(config.notes.size(), 2u);
}

TEST(EdgeHubConfig, RouteObjects) {
  auto with_route = [](std::string route) {
    return R"({"schemaVersion": "1.1", "routes": {"r": )" + route +
           R"(}, "storeAndForwardConfiguration": {"timeToLiveSecs": 1}})";
  };
  EXPECT_EQ(parsed(with_route(R"({"route": "FROM /* INTO $upstream"})")).routes[0].priority, kDefaultRoutePriority);
  EXPECT_EQ(parsed(with_route(R"({"route": "FROM /* INTO $upstream", "priority": 9})")).routes[0].priority, 9u);
  EXPECT_EQ(parsed(with_route(R"({"route": "FROM /* INTO $upstream", "priority": 2000000000})")).routes[0].priority,
            kDefaultRoutePriority);
  EXPECT_EQ(parsed(with_route(R"({"route": "FROM /* INTO $upstream", "timeToLiveSecs": 4294967295})")).routes[0].ttl_secs,
            4294967295u);
  EXPECT_EQ(config_error_of(with_route(R"({"route": "FROM /* INTO $upstream", "priority": 10})")),
            "routes.r.priority: must be 0-9 (0 is highest), got 10");
  EXPECT_EQ(config_error_of(with_route(R"({"route": "FROM /* INTO $upstream", "priority": -1})")),
            "routes.r.priority: must be 0-9 (0 is highest), got -1");
  EXPECT_EQ(config_error_of(with_route(R"({"route": "FROM /* INTO $upstream", "priority": "0"})")),
            "routes.r.priority: must be 0-9 (0 is highest), got \"0\"");
  EXPECT_EQ(config_error_of(with_route(R"({"route": "FROM /* INTO $upstream", "timeToLiveSecs": -5})")),
            "routes.r.timeToLiveSecs: must be 0-4294967295 (0: the global TTL), got -5");
  EXPECT_EQ(config_error_of(with_route(R"({"priority": 1})")),
            "routes.r.route: missing (a route object needs \"route\": \"FROM ... INTO ...\")");
  EXPECT_EQ(config_error_of(with_route(R"({"route": " "})")), "routes.r.route: is empty");
  EXPECT_EQ(config_error_of(with_route(R"(42)")),
            "routes.r: must be a route string or an object {\"route\", \"priority\", \"timeToLiveSecs\"}");
  EXPECT_EQ(config_error_of(with_route(R"("")")), "routes.r: the route is empty");
}

TEST(EdgeHubConfig, RouteNames) {
  for (const char* bad : {"a.b", "$r", "a#b", "a b", ""}) {
    const std::string json = std::string(R"({"schemaVersion": "1.0", "routes": {")") + bad +
                             R"(": "FROM /* INTO $upstream"}, "storeAndForwardConfiguration": {"timeToLiveSecs": 1}})";
    EXPECT_EQ(config_error_of(json), std::string("routes: invalid route name '") + bad +
                                  "' (must not be empty or contain '.', '$', '#' or spaces)");
  }
  EXPECT_EQ(parsed(R"({"schemaVersion": "1.0", "routes": {"route-1_x@!": "FROM /* INTO $upstream"},
                       "storeAndForwardConfiguration": {"timeToLiveSecs": 1}})").routes[0].name, "route-1_x@!");
}

TEST(EdgeHubConfig, BadRoutesNameTheRoute) {
  EXPECT_EQ(config_error_of(R"({"schemaVersion": "1.0", "routes": {"ok": "FROM /* INTO $upstream",
                        "broken": "FROM /* WHERE foo(1) INTO $upstream"},
                        "storeAndForwardConfiguration": {"timeToLiveSecs": 1}})"),
            "route 'broken': column 15: unknown function 'foo'");
  // Type errors too: edgeHub would accept this update and only log the error later.
  EXPECT_EQ(config_error_of(R"({"schemaVersion": "1.0", "routes": {"typed": "FROM /* WHERE temp > 30 INTO $upstream"},
                        "storeAndForwardConfiguration": {"timeToLiveSecs": 1}})")
                .rfind("route 'typed': column 20: operator '>' cannot compare string with number", 0),
            0u);
}

TEST(EdgeHubConfig, StoreAndForward) {
  auto with_sf = [](std::string sf) {
    return R"({"schemaVersion": "1.0", "routes": {}, "storeAndForwardConfiguration": )" + sf + "}";
  };
  const auto infinite = parsed(with_sf(R"({"timeToLiveSecs": -1})"));
  EXPECT_TRUE(infinite.store_and_forward.never_expires());
  EXPECT_FALSE(infinite.store_and_forward.max_size_bytes);
  EXPECT_EQ(parsed(with_sf(R"({"timeToLiveSecs": 7200.0})")).store_and_forward.ttl_secs, 7200);
  EXPECT_EQ(config_error_of(with_sf(R"({"timeToLiveSecs": "7200"})")),
            "storeAndForwardConfiguration.timeToLiveSecs: must be a 32-bit integer (negative: no expiry), got \"7200\"");
  EXPECT_EQ(config_error_of(with_sf(R"({"timeToLiveSecs": 4294967296})")),
            "storeAndForwardConfiguration.timeToLiveSecs: must be a 32-bit integer (negative: no expiry), got 4294967296");
  EXPECT_EQ(config_error_of(with_sf(R"({"timeToLiveSecs": 1, "storeLimits": {"maxSizeBytes": -1}})")),
            "storeAndForwardConfiguration.storeLimits.maxSizeBytes: must be a non-negative integer, got -1");
  EXPECT_EQ(config_error_of(with_sf(R"({"timeToLiveSecs": 1, "storeLimits": {}})")),
            "storeAndForwardConfiguration.storeLimits.maxSizeBytes: missing");
  EXPECT_EQ(config_error_of(with_sf(R"({"timeToLiveSecs": 1, "storeLimits": 5})")),
            "storeAndForwardConfiguration.storeLimits: must be an object");
  EXPECT_EQ(config_error_of(with_sf("7200")), "storeAndForwardConfiguration: must be an object");
}

TEST(EdgeHubConfig, IgnoredSectionsAreNoted) {
  const auto config = parsed(R"({"schemaVersion": "1.3", "routes": {},
      "storeAndForwardConfiguration": {"timeToLiveSecs": 1},
      "mqttBroker": {"bridges": [], "later": 1}, "integrity": {"header": {}}, "somethingNew": 1})");
  ASSERT_EQ(config.notes.size(), 3u);
  EXPECT_EQ(config.notes[0], "mqttBroker.later: unknown property ignored");
  EXPECT_EQ(config.notes[1], "integrity: ignored (manifest signatures are not verified)");
  EXPECT_EQ(config.notes[2], "somethingNew: unknown property ignored");
}

TEST(EdgeHubConfig, MqttBrokerBridgesAreReadAndEveryMistakeNamed) {
  const auto config = parsed(R"({"schemaVersion": "1.2", "routes": {},
      "storeAndForwardConfiguration": {"timeToLiveSecs": 1},
      "mqttBroker": {"bridges": [
        {"endpoint": "$upstream", "settings": [{"direction": "both", "topic": "t/#", "inPrefix": "local/", "outPrefix": "remote/"}]},
        {"endpoint": "mqtt://10.0.0.2:1883", "settings": [{"direction": "in", "topic": "", "inPrefix": "a", "outPrefix": "b"}]}]}})");
  ASSERT_TRUE(config.mqtt_bridges.has_value());
  ASSERT_EQ(config.mqtt_bridges->size(), 2u);
  const auto& up = (*config.mqtt_bridges)[0];
  EXPECT_EQ(up.endpoint, "$upstream");
  ASSERT_EQ(up.settings.size(), 1u);
  EXPECT_TRUE(up.settings[0].in && up.settings[0].out);
  EXPECT_EQ(up.settings[0].local_filter(), "local/t/#");
  EXPECT_EQ(up.settings[0].remote_filter(), "remote/t/#");
  EXPECT_EQ((*config.mqtt_bridges)[1].settings[0].remote_filter(), "b");
  const auto with = [](const char* bridges) {
    return std::string(R"({"schemaVersion": "1.2", "routes": {}, "storeAndForwardConfiguration": {"timeToLiveSecs": 1},
        "mqttBroker": {"bridges": )") + bridges + "}}";
  };
  EXPECT_EQ(config_error_of(with(R"({})")), "mqttBroker.bridges: must be an array, got {}");
  EXPECT_EQ(config_error_of(with(R"([{"settings": []}])")), "mqttBroker.bridges[0].endpoint: a string is required");
  EXPECT_EQ(config_error_of(with(R"([{"endpoint": "http://x:1", "settings": [{"direction": "in"}]}])")),
            "mqttBroker.bridges[0].endpoint: 'http://x:1': expected $upstream, mqtt://host:port or mqtts://host:port");
  EXPECT_EQ(config_error_of(with(R"([{"endpoint": "mqtt://x", "settings": [{"direction": "in"}]}])")),
            "mqttBroker.bridges[0].endpoint: 'mqtt://x': the port is missing");
  EXPECT_EQ(config_error_of(with(R"([{"endpoint": "$upstream", "settings": []}])")),
            "mqttBroker.bridges[0].settings: a non-empty array is required");
  EXPECT_EQ(config_error_of(with(R"([{"endpoint": "$upstream", "settings": [{"direction": "sideways", "topic": "a"}]}])")),
            "mqttBroker.bridges[0].settings[0].direction: 'sideways': expected in, out or both");
  EXPECT_EQ(config_error_of(with(R"([{"endpoint": "$upstream", "settings": [{"direction": "in", "topic": 5}]}])")),
            "mqttBroker.bridges[0].settings[0].topic: must be a string, got 5");
  EXPECT_EQ(config_error_of(with(R"([{"endpoint": "$upstream", "settings": [{"direction": "in", "topic": "a/#/b"}]}])")),
            "mqttBroker.bridges[0].settings[0].topic: 'a/#/b' is not a valid topic filter: '#' must be the whole last level of a topic filter");
  EXPECT_EQ(config_error_of(with(R"([{"endpoint": "$upstream", "settings": [{"direction": "out", "topic": "a", "outPrefix": "+/"}]}])")),
            "mqttBroker.bridges[0].settings[0].outPrefix: may not hold + or #");
}

TEST(EdgeHubConfig, MqttBrokerAuthorizationsAreReadFromSchema12) {
  const auto config = parsed(R"({"schemaVersion": "1.2", "routes": {},
      "storeAndForwardConfiguration": {"timeToLiveSecs": 1},
      "mqttBroker": {"authorizations": [{"identities": ["{{iot:identity}}"],
                                         "allow": [{"operations": ["mqtt:connect"]}]}]}})");
  ASSERT_TRUE(config.mqtt_authorizations.has_value());
  EXPECT_EQ(config.mqtt_authorizations->size(), 1u);
  EXPECT_TRUE(config.notes.empty());
  // Below 1.2 the section is not part of the schema: ignored, as edgeHub ignores it.
  const auto older = parsed(R"({"schemaVersion": "1.1", "routes": {},
      "storeAndForwardConfiguration": {"timeToLiveSecs": 1},
      "mqttBroker": {"authorizations": "not even a list"}})");
  EXPECT_FALSE(older.mqtt_authorizations.has_value());
  ASSERT_EQ(older.notes.size(), 1u);
  EXPECT_EQ(older.notes[0], "mqttBroker: ignored (it needs schemaVersion 1.2 or later, as in edgeHub)");
  // A bad policy refuses the whole update, naming the element.
  const auto bad = parse_edgehub_desired(std::string_view(R"({"schemaVersion": "1.2", "routes": {},
      "storeAndForwardConfiguration": {"timeToLiveSecs": 1},
      "mqttBroker": {"authorizations": [{"identities": ["x"], "deny": [{"operations": ["mqtt:pub"]}]}]}})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "mqttBroker.authorizations[0].deny[0].operations[0]: \"mqtt:pub\" is not an operation "
                         "(mqtt:connect, mqtt:publish, mqtt:subscribe)");
  EXPECT_FALSE(parse_edgehub_desired(std::string_view(R"({"schemaVersion": "1.2", "routes": {},
      "storeAndForwardConfiguration": {"timeToLiveSecs": 1}, "mqttBroker": []})")));
}

TEST(EdgeHubConfig, KeepsDocumentOrderFromTextAndAcceptsParsedJson) {
  const char* text = R"({"schemaVersion": "1.0", "routes": {"zeta": "FROM /* INTO $upstream", "alpha": "FROM /a INTO $upstream"},
                         "storeAndForwardConfiguration": {"timeToLiveSecs": 1}})";
  const auto from_text = parsed(text);
  EXPECT_EQ(from_text.routes[0].name, "zeta");
  const auto from_json = parse_edgehub_desired(nlohmann::json::parse(text));
  ASSERT_TRUE(from_json) << from_json.error();
  EXPECT_EQ(from_json->routes.size(), 2u);
  const auto from_ordered = parse_edgehub_desired(nlohmann::ordered_json::parse(text));
  ASSERT_TRUE(from_ordered);
  EXPECT_EQ(from_ordered->routes[0].name, "zeta");
}

TEST(EdgeHubConfig, InvalidUtf8InValuesDoesNotThrow) {
  nlohmann::json desired = {{"schemaVersion", "1.1"},
                            {"routes", {{"r", {{"route", "FROM /* INTO $upstream"}, {"priority", "\xFF"}}}}},
                            {"storeAndForwardConfiguration", {{"timeToLiveSecs", 1}}}};
  auto config = parse_edgehub_desired(desired);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().rfind("routes.r.priority: must be 0-9", 0), 0u);
}

}  // namespace
}  // namespace outpost::routing
