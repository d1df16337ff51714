// Real-world routes and manifests (tests/fixtures/README.md says where they come
// from): every route in routes.txt and every $edgeHub section of the manifests.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "outpost/routing/edgehub_config.h"
#include "outpost/routing/route.h"

namespace outpost::routing {
namespace {

const std::filesystem::path kFixtures = std::filesystem::path(OUTPOST_SOURCE_DIR) / "tests/fixtures";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct FixtureRoute {
  std::string section;
  std::string text;
  int line;
};

// routes.txt: '# @section <name>' starts a section, other '#' lines are comments, every
// other non-empty line is one route exactly as edgeHub receives it (spaces included).
std::vector<FixtureRoute> load_routes() {
  std::vector<FixtureRoute> routes;
  std::istringstream in(read_file(kFixtures / "routes.txt"));
  std::string line;
  std::string section;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("# @section ", 0) == 0) {
      std::istringstream words(line.substr(11));
      words >> section;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    routes.push_back({section, line, number});
  }
  return routes;
}

// The four routes in the valid sections whose conditions compare an application property
// (a string) with a number. They parse -- the file was checked without type rules -- but
// edgeHub's compiler rejects them too (ConditionVisitor.CheckOperands), and so do we.
const std::set<std::string> kTypeErrorRoutes = {
    R"(FROM /messages/modules/alertLogic/outputs/commands WHERE messageType = "alert" AND ( temp > 100 OR humidity = 50 OR place = "basement") INTO brokeredEndpoint("/modules/adapter/inputs/write"))",
    R"(  FROM /messages WHERE    messageType = "alert" AND humidity = 'high' AND temp >= 200 INTO brokeredEndpoint("/modules/alertLogic/inputs/in1"))",
    R"( SELECT * FROM /messages WHERE    messageType = "alert" AND humidity = 'high' AND temp >= 200 INTO $upstream)",
    R"(FROM /messages/modules/alertLogic/outputs/commands WHERE messageType = "alert" AND ( temp > 100 OR humidity = 50 OR place = "basement") INTO $upstream)",
};

TEST(FixtureRoutes, FileHasTheExpectedSections) {
  std::map<std::string, int> counts;
  for (const auto& r : load_routes()) ++counts[r.section];
  EXPECT_EQ(counts["valid-real"], 59);
  EXPECT_EQ(counts["valid-real-condition"], 14);
  EXPECT_EQ(counts["invalid-observed"], 3);
}

TEST(FixtureRoutes, ValidSectionsParseAndCompile) {
  int compiled = 0;
  int type_errors = 0;
  for (const auto& r : load_routes()) {
    if (r.section.rfind("valid", 0) != 0 && r.section.rfind("accepted", 0) != 0) continue;
    const std::string name = "line" + std::to_string(r.line);
    EXPECT_TRUE(check_route_syntax(name, r.text)) << check_route_syntax(name, r.text).error();
    auto route = compile_route(name, r.text);
    if (kTypeErrorRoutes.count(r.text) != 0) {
      ++type_errors;
      ASSERT_FALSE(route) << r.text;
      EXPECT_NE(route.error().find("cannot compare string with number"), std::string::npos) << route.error();
    } else {
      ++compiled;
      EXPECT_TRUE(route) << "line " << r.line << ": " << route.error();
    }
  }
  EXPECT_EQ(type_errors, 4);
  EXPECT_EQ(compiled, 69);
}

TEST(FixtureRoutes, InvalidSectionFails) {
  std::vector<std::string> errors;
  for (const auto& r : load_routes()) {
    if (r.section.rfind("invalid", 0) != 0) continue;
    const auto syntax = check_route_syntax("bad", r.text);
    EXPECT_FALSE(syntax) << r.text;
    EXPECT_FALSE(compile_route("bad", r.text));
    if (!syntax) errors.push_back(syntax.error());
  }
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "route 'bad': column 6: expected a path starting with '/' after FROM, found '*'",
                        "route 'bad': column 6: expected a path starting with '/' after FROM, found 'device'",
                        "route 'bad': column 24: expected a path segment after '/', found '{'",
                    }));
}

// The modulesContent of a manifest, whether or not it is wrapped in {"content": ...}.
const nlohmann::ordered_json* modules_content(const nlohmann::ordered_json& manifest) {
  if (manifest.contains("modulesContent")) return &manifest["modulesContent"];
  if (manifest.contains("content") && manifest["content"].contains("modulesContent"))
    return &manifest["content"]["modulesContent"];
  return nullptr;
}

TEST(FixtureManifests, EveryEdgeHubSectionParses) {
  int full = 0;
  int layered_routes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kFixtures / "manifests")) {
    if (entry.path().extension() != ".json") continue;
    const bool invalid = entry.path().parent_path().filename() == "invalid";
    SCOPED_TRACE(entry.path().string());
    const auto manifest = nlohmann::ordered_json::parse(read_file(entry.path()));
    const auto* content = modules_content(manifest);
    ASSERT_NE(content, nullptr);
    if (!content->contains("$edgeHub")) continue;
    const auto& edge_hub = (*content)["$edgeHub"];
    if (edge_hub.contains("properties.desired")) {
      ++full;
      const auto config = parse_edgehub_desired(edge_hub["properties.desired"]);
      if (invalid) {
        ASSERT_FALSE(config);
        EXPECT_EQ(config.error(),
                  "route 'route1': column 6: expected a path starting with '/' after FROM, found 'device'");
      } else {
        EXPECT_TRUE(config) << config.error();
        if (config) {
          EXPECT_EQ(config->routes.size(), config->route_table.size());
        }
      }
    }
    // Layered deployments set single routes with dotted keys.
    for (const auto& item : edge_hub.items()) {
      constexpr std::string_view kPrefix = "properties.desired.routes.";
      if (item.key().rfind(kPrefix, 0) != 0) continue;
      ++layered_routes;
      const auto route = compile_route(item.key().substr(kPrefix.size()), item.value().get<std::string>());
      EXPECT_TRUE(route) << route.error();
    }
  }
  EXPECT_EQ(full, 22);  // 20 manifests, one edge case, one invalid
  EXPECT_EQ(layered_routes, 2);
}

TEST(FixtureManifests, PriorityAndTtlComeThrough) {
  const auto manifest = nlohmann::ordered_json::parse(
      read_file(kFixtures / "manifests/azure-iot-cli-extension__test_edge_deployment_ea_v11_eh_v12.json"));
  const auto config = parse_edgehub_desired((*modules_content(manifest))["$edgeHub"]["properties.desired"]);
  ASSERT_TRUE(config) << config.error();
  ASSERT_EQ(config->routes.size(), 2u);
  EXPECT_EQ(config->routes[0].name, "sensorToFilter");
  EXPECT_EQ(config->routes[0].priority, 0u);
  EXPECT_EQ(config->routes[0].ttl_secs, 1800u);
  EXPECT_EQ(config->routes[1].priority, 1u);
  EXPECT_EQ(config->store_and_forward.ttl_secs, 100);
}

}  // namespace
}  // namespace outpost::routing
