// Authorization policies (src/mqtt_policy): parsing with errors that name the element, and
// decisions — deny wins, variables, resources, and subscriptions judged by every topic they
// could deliver.
#include "outpost/mqtt_policy/authorization_policy.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace outpost::mqtt_policy {
namespace {

const Requester kSensor{"myhub.azure-devices.net/sensor_1", "sensor_1", "", "sensor_1"};
const Requester kModule{"myhub.azure-devices.net/edge1/A", "edge1", "A", "edge1/A"};
const Requester kPlc{"plc", "", "", "plc-7"};
const Requester kAnonymous{std::string(kAnonymousIdentity), "", "", "anon-1"};

AuthorizationPolicy policy(const char* json) {
  auto parsed = AuthorizationPolicy::parse(nlohmann::json::parse(json), "authorizations");
  EXPECT_TRUE(parsed) << parsed.error();
  return parsed ? std::move(*parsed) : AuthorizationPolicy{};
}

std::string parse_error(const char* json) {
  auto parsed = AuthorizationPolicy::parse(nlohmann::json::parse(json), "authorizations");
  return parsed ? "(accepted)" : parsed.error();
}

TEST(AuthorizationPolicy, TheDocumentedExampleDecidesAsIotEdgeDescribesIt) {
  // docs/HUB.md's example, after IoT Edge's "Publish and subscribe with Azure IoT Edge".
  const auto p = policy(R"([
    {"identities": ["myhub.azure-devices.net/rogue_client"], "deny": [{"operations": ["mqtt:connect"]}]},
    {"identities": ["{{iot:identity}}"], "allow": [{"operations": ["mqtt:connect"]}]},
    {"identities": ["myhub.azure-devices.net/sensor_1"],
     "allow": [{"operations": ["mqtt:publish"], "resources": ["events/alerts"]}]}])");
  const auto sensor = p.for_client(kSensor, "edge1");
  EXPECT_EQ(sensor.connect().effect, Effect::allowed);
  EXPECT_EQ(sensor.publish("events/alerts").effect, Effect::allowed);
  EXPECT_EQ(sensor.publish("events/other").effect, Effect::not_covered);
  EXPECT_EQ(sensor.subscribe("events/alerts").effect, Effect::not_covered);
  const auto rogue = p.for_client({"myhub.azure-devices.net/rogue_client", "rogue_client", "", "rogue_client"}, "edge1");
  const auto decision = rogue.connect();
  EXPECT_EQ(decision.effect, Effect::denied) << "deny wins over the {{iot:identity}} allow";
  EXPECT_EQ(decision.origin, "authorizations[0].deny[0]");
  EXPECT_EQ(p.for_client(kPlc, "edge1").connect().effect, Effect::allowed) << "{{iot:identity}} is every client";
}

TEST(AuthorizationPolicy, DenyWinsWhateverTheOrder) {
  const auto p = policy(R"([
    {"identities": ["plc"], "deny": [{"operations": ["mqtt:publish"], "resources": ["plant/secret/#"]}]},
    {"identities": ["plc"], "allow": [{"operations": ["mqtt:publish"]}]}])");
  const auto plc = p.for_client(kPlc, "edge1");
  EXPECT_EQ(plc.publish("plant/line1").effect, Effect::allowed) << "no resources: every topic";
  EXPECT_EQ(plc.publish("plant/secret/key").effect, Effect::denied);
  EXPECT_EQ(plc.publish("plant/secret").effect, Effect::denied) << "'a/#' matches 'a'";
  EXPECT_EQ(p.for_client(kAnonymous, "edge1").publish("plant/line1").effect, Effect::not_covered);
}

TEST(AuthorizationPolicy, ASubscriptionNeedsItsWholeFilterAllowedAndNoDeniedTopicInIt) {
  const auto p = policy(R"([{"identities": ["plc"],
    "allow": [{"operations": ["mqtt:subscribe"], "resources": ["plant/#", "office/+/temp"]}],
    "deny":  [{"operations": ["mqtt:subscribe"], "resources": ["plant/secret/#"]}]}])");
  const auto plc = p.for_client(kPlc, "edge1");
  EXPECT_EQ(plc.subscribe("plant/line1/#").effect, Effect::allowed);
  EXPECT_EQ(plc.subscribe("office/+/temp").effect, Effect::allowed);
  EXPECT_EQ(plc.subscribe("office/#").effect, Effect::not_covered) << "wider than any allowed resource";
  EXPECT_EQ(plc.subscribe("plant/#").effect, Effect::denied) << "it would deliver plant/secret/...";
  EXPECT_EQ(plc.subscribe("plant/+/key").effect, Effect::denied) << "plant/secret/key matches it";
  EXPECT_EQ(plc.subscribe("#").effect, Effect::denied);
}

TEST(AuthorizationPolicy, VariablesTakeTheRequestingClientsValues) {
  const auto p = policy(R"([
    {"identities": ["{{iot:identity}}"],
     "allow": [{"operations": ["mqtt:publish", "mqtt:subscribe"],
                "resources": ["clients/{{iot:client_id}}/#", "devices-of/{{iot:device_id}}/{{iot:module_id}}",
                              "edge/{{iot:this_device_id}}/status", "who/{{iot:identity}}"]}]}])");
  const auto module = p.for_client(kModule, "edge1");
  EXPECT_EQ(module.publish("clients/edge1/A/x").effect, Effect::allowed);
  EXPECT_EQ(module.publish("clients/edge1/B/x").effect, Effect::not_covered);
  EXPECT_EQ(module.publish("devices-of/edge1/A").effect, Effect::allowed);
  EXPECT_EQ(module.publish("edge/edge1/status").effect, Effect::allowed);
  EXPECT_EQ(module.publish("who/myhub.azure-devices.net/edge1/A").effect, Effect::allowed);
  const auto plc = p.for_client(kPlc, "edge1");
  EXPECT_EQ(plc.subscribe("clients/plc-7/#").effect, Effect::allowed);
  EXPECT_EQ(plc.subscribe("clients/edge1/A/#").effect, Effect::not_covered);
}

TEST(AuthorizationPolicy, AClientChosenWildcardNeverWidensAResource) {
  const auto p = policy(R"([{"identities": ["{{iot:identity}}"],
    "allow": [{"operations": ["mqtt:subscribe", "mqtt:publish"], "resources": ["clients/{{iot:client_id}}/#"]}]}])");
  for (const char* id : {"#", "+", "a/+", "x#"}) {
    const auto sly = p.for_client({"plc", "", "", id}, "edge1");
    EXPECT_EQ(sly.subscribe("clients/victim/#").effect, Effect::not_covered) << id;
    EXPECT_EQ(sly.subscribe("clients/#").effect, Effect::not_covered) << id;
    EXPECT_EQ(sly.publish("clients/victim/x").effect, Effect::not_covered) << id;
  }
}

TEST(AuthorizationPolicy, IdentitiesNameIotHubIdentitiesUsersAndAnonymousClientsExactly) {
  const auto p = policy(R"([
    {"identities": ["myhub.azure-devices.net/edge1/A", "plc", "$anonymous"],
     "allow": [{"operations": ["mqtt:publish"], "resources": ["t"]}]}])");
  EXPECT_EQ(p.for_client(kModule, "edge1").publish("t").effect, Effect::allowed);
  EXPECT_EQ(p.for_client(kPlc, "edge1").publish("t").effect, Effect::allowed);
  EXPECT_EQ(p.for_client(kAnonymous, "edge1").publish("t").effect, Effect::allowed);
  EXPECT_EQ(p.for_client(kSensor, "edge1").publish("t").effect, Effect::not_covered);
  EXPECT_EQ(p.for_client({"myhub.azure-devices.net/edge1", "edge1", "", "edge1"}, "edge1").publish("t").effect,
            Effect::not_covered) << "the device is not its module";
}

TEST(AuthorizationPolicy, TwoPoliciesCombineAndADenyInEitherWins) {
  const auto file = policy(R"([{"identities": ["plc"], "allow": [{"operations": ["mqtt:publish"]}]}])");
  const auto twin = policy(R"([{"identities": ["plc"], "deny": [{"operations": ["mqtt:publish"], "resources": ["x"]}]}])");
  const auto both = AuthorizationPolicy::combine(file, twin);
  EXPECT_EQ(both.size(), 2u);
  const auto plc = both.for_client(kPlc, "edge1");
  EXPECT_EQ(plc.publish("y").effect, Effect::allowed);
  EXPECT_EQ(plc.publish("x").effect, Effect::denied);
}

TEST(AuthorizationPolicy, MistakesAreErrorsNamingTheElement) {
  EXPECT_EQ(parse_error(R"({"identities": []})"),
            R"(authorizations: must be a list of statements {"identities", "allow", "deny"}, got {"identities":[]})");
  EXPECT_EQ(parse_error(R"([{"allow": [{"operations": ["mqtt:connect"]}]}])"), "authorizations[0].identities: missing");
  EXPECT_EQ(parse_error(R"([{"identities": [], "allow": []}])"),
            "authorizations[0].identities: must name at least one identity");
  EXPECT_EQ(parse_error(R"([{"identities": ["a"]}])"), R"(authorizations[0]: needs an "allow" or a "deny" rule)");
  EXPECT_EQ(parse_error(R"([{"identities": ["a"], "alow": []}])"),
            "authorizations[0]: unknown key 'alow' (expected identities, allow, deny)");
  EXPECT_EQ(parse_error(R"([{"identities": ["a"], "allow": [{"operations": ["mqtt:connect"]}]},
                            {"identities": [7], "allow": [{"operations": ["mqtt:connect"]}]}])"),
            "authorizations[1].identities[0]: must be an identity (\"{hostname}/{device}[/{module}]\", a user name, "
            "\"$anonymous\" or \"{{iot:identity}}\"), got 7");
  EXPECT_EQ(parse_error(R"([{"identities": ["{{iot:name}}"], "allow": [{"operations": ["mqtt:connect"]}]}])"),
            "authorizations[0].identities[0]: unknown variable '{{iot:name}}' (known: {{iot:identity}}, "
            "{{iot:device_id}}, {{iot:module_id}}, {{iot:client_id}}, {{iot:this_device_id}})");
  EXPECT_EQ(parse_error(R"([{"identities": ["a"], "allow": [{"operations": []}]}])"),
            "authorizations[0].allow[0].operations: must name at least one operation");
  EXPECT_EQ(parse_error(R"([{"identities": ["a"], "deny": [{"operations": ["mqtt:publish"], "resources": ["a/#/b"]}]}])"),
            "authorizations[0].deny[0].resources[0]: 'a/#/b': '#' must be the whole last level of a topic filter");
  EXPECT_EQ(parse_error(R"([{"identities": ["a"], "allow": [{"operations": ["mqtt:publish"], "resources": []}]}])"),
            "authorizations[0].allow[0].resources: empty (leave it out to mean every topic)");
  EXPECT_EQ(parse_error(R"([{"identities": ["a"], "allow": [{"operations": ["mqtt:subscribe"],
                                                             "resources": ["$iothub/twin/#"]}]}])"),
            "authorizations[0].allow[0].resources[0]: '$iothub/twin/#' is an IoT Hub topic: those follow each "
            "identity's own scope, not policies (docs/HUB.md)");
  EXPECT_EQ(parse_error(R"([{"identities": ["a"], "allow": [{"operations": ["mqtt:publish"], "resources": ["x"],
                                                             "effect": "allow"}]}])"),
            "authorizations[0].allow[0]: unknown key 'effect' (expected operations, resources)");
  EXPECT_EQ(parse_error(R"([{"identities": ["a"], "allow": [{"operations": ["mqtt:publish"],
                                                             "resources": ["{{iot:client_id"]}]}])"),
            "authorizations[0].allow[0].resources[0]: unknown variable '{{iot:client_id' (known: {{iot:identity}}, "
            "{{iot:device_id}}, {{iot:module_id}}, {{iot:client_id}}, {{iot:this_device_id}})");
  const auto statement = nlohmann::json::parse(R"({"identities": ["a"], "allow": [{"operations": ["mqtt:connect"]}]})");
  auto statements = nlohmann::json::array();
  for (int i = 0; i < 1001; ++i) statements.push_back(statement);
  const auto too_many = AuthorizationPolicy::parse(statements, "authorizations");
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error(), "authorizations: 1001 statements, more than the 1000 a policy may hold");
}

}  // namespace
}  // namespace outpost::mqtt_policy
