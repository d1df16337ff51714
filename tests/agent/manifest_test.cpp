// The deployment manifest parser: every real manifest in tests/fixtures (../shared/fixtures,
// copied) is read as IoT Edge reads it, and crafted ones get IoT Edge's codes (417 no deployment, 412 schemaVersion, 400
// naming the field) with defaults filled in where the manifest is silent.
#include "outpost/agent/manifest.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "outpost/core/json.h"

namespace outpost::agent {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kManifests = fs::path(OUTPOST_FIXTURES_DIR) / "manifests";

json read_fixture(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto parsed = parse_json(text);
  if (!parsed) ADD_FAILURE() << path << ": " << parsed.error();
  return parsed ? *parsed : json();
}

// The fixtures of one folder; fails (not skips) when they are not there: they are in the tree.
std::vector<fs::path> fixtures(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".json") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  if (out.empty()) ADD_FAILURE() << "no manifests in " << dir << " (tests/fixtures, copied from ../shared/fixtures)";
  return out;
}

const ModuleDesired* find_module(const DeploymentManifest& manifest, const std::string& name) {
  for (const auto& m : manifest.modules)
    if (m.name == name) return &m;
  return nullptr;
}

std::string env_of(const ModuleDesired& module, const std::string& name) {
  for (const auto& [key, value] : module.env)
    if (key == name) return value;
  return "<unset>";
}

// A small valid desired document; each test breaks one thing.
json desired() {
  return {{"$version", 7},
          {"$metadata", {{"$lastUpdated", "2026-12-04T10:00:00Z"}}},
          {"schemaVersion", "1.1"},
          {"runtime",
           {{"type", "docker"},
            {"settings",
             {{"minDockerVersion", "v1.25"},
              {"loggingOptions", ""},
              {"registryCredentials",
               {{"zeta", {{"username", "z"}, {"password", "pz"}, {"address", "z.azurecr.io"}}},
                {"acr", {{"username", "a"}, {"password", "pa"}, {"address", "a.azurecr.io"}}}}}}}}},
          {"systemModules",
           {{"edgeAgent", {{"type", "docker"}, {"settings", {{"image", "mcr.microsoft.com/azureiotedge-agent:1.5"}}}}},
            {"edgeHub",
             {{"type", "docker"},
              {"status", "running"},
              {"settings", {{"image", "mcr.microsoft.com/azureiotedge-hub:1.5"}, {"createOptions", "{}"}}}}}}},
          {"modules",
           {{"sensor",
             {{"version", "1.0"},
              {"type", "docker"},
              {"settings", {{"image", "contoso/sensor:1.0"}, {"createOptions", R"({"Cmd":["run"]})"}}},
              {"env", {{"ZED", {{"value", "z"}}}, {"ALPHA", {{"value", "a"}}}}}}},
            {"filter", {{"type", "docker"}, {"settings", {{"image", "contoso/filter:2.0"}}}}}}}};
}

ManifestStatus status_of(const json& document) {
  auto parsed = parse_agent_desired(document);
  return parsed ? ManifestStatus{} : parsed.failure();
}

// 400 whose description names `text`.
void expect_400(const json& document, const std::string& text) {
  const auto status = status_of(document);
  EXPECT_EQ(status.code, 400) << status.description;
  EXPECT_NE(status.description.find(text), std::string::npos) << "'" << text << "' not in: " << status.description;
}

// ---- the real manifests ------------------------------------------------------------------

TEST(ManifestFixtures, EveryRealManifestParses) {
  auto files = fixtures(kManifests);
  const auto edge_cases = fixtures(kManifests / "edge-cases");
  files.insert(files.end(), edge_cases.begin(), edge_cases.end());
  EXPECT_GE(files.size(), 21u);  // 20 manifests + the chunked edge case
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    auto deployment = parse_deployment(read_fixture(file));
    ASSERT_TRUE(deployment) << deployment.failure().code << " " << deployment.failure().description;
    const auto& m = deployment->agent;
    EXPECT_TRUE(m.schema_version == "1.0" || m.schema_version == "1.1") << m.schema_version;
    EXPECT_FALSE(m.edge_agent.image.empty());
    ASSERT_TRUE(m.edge_hub.has_value());  // every real manifest has one
    EXPECT_EQ(m.edge_hub->name, "edgeHub");
    EXPECT_FALSE(m.modules.empty());
    EXPECT_TRUE(std::is_sorted(m.modules.begin(), m.modules.end(),
                               [](const auto& a, const auto& b) { return a.name < b.name; }));
    for (const auto& module : m.modules) {
      const auto tag = module.image.substr(module.image.rfind('/') + 1);
      EXPECT_NE(tag.find(':'), std::string::npos) << module.name << ": " << module.image;
      EXPECT_TRUE(module.create_options.is_object()) << module.name;
    }
    // The same input reads the same.
    EXPECT_EQ(parse_deployment(read_fixture(file))->agent, m);
  }
}

TEST(ManifestFixtures, WhatTheRealManifestsSay) {
  // Env values as numbers and booleans (nested edge), images under $upstream.
  auto nested = parse_deployment(read_fixture(kManifests / "iotedge__nestededge_middleLayer_e2e_amqp.json"));
  ASSERT_TRUE(nested) << nested.failure().description;
  EXPECT_EQ(env_of(*nested->agent.edge_hub, "DeviceScopeCacheRefreshDelaySecs"), "0");
  ASSERT_NE(find_module(nested->agent, "relayer1"), nullptr);
  EXPECT_EQ(env_of(*find_module(nested->agent, "relayer1"), "EnableTrcReporting"), "false");
  EXPECT_EQ(nested->agent.edge_agent.image.rfind("$upstream:443/", 0), 0u) << nested->agent.edge_agent.image;
  EXPECT_EQ(nested->agent.edge_agent.restart_policy, RestartPolicy::always);
  EXPECT_EQ(nested->agent.edge_agent.startup_order, 0u);

  // on-failure / on-unhealthy, an env entry without "value".
  auto hubdev = parse_deployment(read_fixture(kManifests / "iotedgehubdev__deployment.json"));
  ASSERT_TRUE(hubdev) << hubdev.failure().description;
  EXPECT_EQ(find_module(hubdev->agent, "tempSensor")->restart_policy, RestartPolicy::on_failure);
  EXPECT_EQ(find_module(hubdev->agent, "SampleModule")->restart_policy, RestartPolicy::on_unhealthy);
  EXPECT_EQ(env_of(*find_module(hubdev->agent, "SampleModule"), "test2"), "");

  // startupOrder: 0 on edgeHub, 1 on one module, the default on the other.
  auto order = parse_deployment(read_fixture(kManifests / "iotedge__ModuleStartupOrder.json"));
  ASSERT_TRUE(order) << order.failure().description;
  EXPECT_EQ(order->agent.edge_hub->startup_order, 0u);
  EXPECT_EQ(find_module(order->agent, "SimulatedTemperatureSensor")->startup_order, 1u);
  EXPECT_EQ(find_module(order->agent, "filtermodule")->startup_order, kDefaultStartupOrder);

  // A tagless image gets ":latest"; module twins are kept.
  auto cli = parse_deployment(read_fixture(kManifests / "azure-iot-cli-extension__test_edge_deployment.json"));
  ASSERT_TRUE(cli) << cli.failure().description;
  EXPECT_EQ(find_module(cli->agent, "mymodule0")->image, "myimageuri:latest");
  EXPECT_EQ(cli->module_desired.count("mymodule0"), 1u);
  EXPECT_TRUE(cli->edge_hub_desired.contains("routes"));
  EXPECT_TRUE(cli->agent.logging_options.empty());  // no loggingOptions in that one
  EXPECT_EQ(cli->agent.min_docker_version, "v1.25");

  // createOptions as an object, taken as it is.
  const json lora_file = read_fixture(kManifests / "iotedge-lorawan-starterkit__deployment.template.json");
  auto lora = parse_deployment(lora_file);
  ASSERT_TRUE(lora) << lora.failure().description;
  EXPECT_EQ(find_module(lora->agent, "LoRaBasicsStationModule")->create_options,
            lora_file["modulesContent"]["$edgeAgent"]["properties.desired"]["modules"]["LoRaBasicsStationModule"]
                     ["settings"]["createOptions"]);
}

TEST(ManifestFixtures, ChunkedCreateOptionsAreTheirConcatenation) {
  const json file =
      read_fixture(kManifests / "edge-cases" / "iotedgehubdev__deployment_with_chunked_create_options.json");
  auto deployment = parse_deployment(file);
  ASSERT_TRUE(deployment) << deployment.failure().description;
  const json& settings =
      file["modulesContent"]["$edgeAgent"]["properties.desired"]["modules"]["tempSensor"]["settings"];
  std::string joined = settings["createOptions"].get<std::string>();
  for (int i = 1; i <= 7; ++i) joined += settings[fmt::format("createOptions{:02}", i)].get<std::string>();
  EXPECT_GT(settings["createOptions07"].get<std::string>().size(), 512u);  // longer than tools write
  auto expected = parse_json(joined);
  ASSERT_TRUE(expected) << expected.error();
  EXPECT_EQ(find_module(deployment->agent, "tempSensor")->create_options, *expected);
  // edgeHub without restartPolicy: always. "unknown" (IoT Edge's internal value): on-unhealthy.
  EXPECT_EQ(deployment->agent.edge_hub->restart_policy, RestartPolicy::always);
  EXPECT_EQ(find_module(deployment->agent, "SampleModule")->restart_policy, RestartPolicy::on_unhealthy);
  EXPECT_EQ(deployment->agent.edge_hub->create_options["HostConfig"]["PortBindings"].size(), 2u);
}

TEST(ManifestFixtures, TheMalformedOneIsRefusedNamingRestartPolicy) {
  const auto files = fixtures(kManifests / "invalid");
  ASSERT_EQ(files.size(), 1u);
  auto deployment = parse_deployment(read_fixture(files[0]));
  ASSERT_FALSE(deployment);
  EXPECT_EQ(deployment.failure().code, 400);
  const std::string& description = deployment.failure().description;
  EXPECT_NE(description.find("modules.mongo-server.restartPolicy: 'on-failured' is not one of never, on-failure, "
                             "on-unhealthy, always"),
            std::string::npos)
      << description;
  // What else is wrong with it: no runtime section and empty images for both system modules.
  // (Its route "FROM device messages …" is a syntax error too: the hub's parser refuses that.)
  EXPECT_NE(description.find("runtime: missing"), std::string::npos) << description;
  EXPECT_NE(description.find("systemModules.edgeAgent.settings.image: empty"), std::string::npos) << description;
  EXPECT_NE(description.find("systemModules.edgeHub.settings.image: empty"), std::string::npos) << description;
}

TEST(ManifestFixtures, LayeredDeploymentsAloneHoldNoDeployment) {
  // "$edgeAgent": {"properties.desired.modules.X": …} adds to a base deployment; IoT Hub merges
  // it. Alone there is no "properties.desired": no deployment (417), and the description says why.
  for (const auto& file : fixtures(kManifests / "layered")) {
    SCOPED_TRACE(file.filename().string());
    auto deployment = parse_deployment(read_fixture(file));
    ASSERT_FALSE(deployment);
    EXPECT_EQ(deployment.failure().code, 417);
    EXPECT_NE(deployment.failure().description.find("layered deployment"), std::string::npos)
        << deployment.failure().description;
  }
}

// ---- crafted: what a good manifest becomes -------------------------------------------------

TEST(Manifest, DefaultsAreFilledIn) {
  auto parsed = parse_agent_desired(desired());
  ASSERT_TRUE(parsed) << parsed.failure().description;
  const DeploymentManifest& m = *parsed;
  EXPECT_EQ(m.schema_version, "1.1");
  EXPECT_EQ(m.version, 7);
  EXPECT_EQ(m.min_docker_version, "v1.25");
  ASSERT_EQ(m.registry_credentials.size(), 2u);
  EXPECT_EQ(m.registry_credentials[0].name, "acr");
  EXPECT_EQ(m.registry_credentials[0].password, "pa");
  EXPECT_EQ(m.registry_credentials[1].address, "z.azurecr.io");

  EXPECT_EQ(m.edge_agent.name, "edgeAgent");
  EXPECT_EQ(m.edge_agent.image, "mcr.microsoft.com/azureiotedge-agent:1.5");
  EXPECT_EQ(m.edge_agent.create_options, json::object());
  ASSERT_TRUE(m.edge_hub);
  EXPECT_EQ(m.edge_hub->restart_policy, RestartPolicy::always);
  EXPECT_EQ(m.edge_hub->status, DesiredStatus::running);
  EXPECT_EQ(m.edge_hub->startup_order, kDefaultStartupOrder);

  ASSERT_EQ(m.modules.size(), 2u);
  EXPECT_EQ(m.modules[0].name, "filter");  // by name
  const ModuleDesired& sensor = m.modules[1];
  EXPECT_EQ(sensor.name, "sensor");
  EXPECT_EQ(sensor.version, "1.0");
  EXPECT_EQ(sensor.type, "docker");
  EXPECT_EQ(sensor.status, DesiredStatus::running);
  EXPECT_EQ(sensor.restart_policy, RestartPolicy::on_unhealthy);
  EXPECT_EQ(sensor.image_pull_policy, ImagePullPolicy::on_create);
  EXPECT_EQ(sensor.startup_order, 4294967295u);
  EXPECT_EQ(sensor.env, (std::vector<std::pair<std::string, std::string>>{{"ALPHA", "a"}, {"ZED", "z"}}));
  EXPECT_EQ(sensor.create_options, (json{{"Cmd", {"run"}}}));
  EXPECT_EQ(m.modules[0].version, "");
}

TEST(Manifest, EveryFieldIsRead) {
  json d = desired();
  d["schemaVersion"] = "1.0";  // startupOrder is 1.1's, but IoT Edge reads it under 1.0 too
  d.erase("$version");
  json& sensor = d["modules"]["sensor"];
  sensor["status"] = "stopped";
  sensor["restartPolicy"] = "Never";  // any case, as Newtonsoft's enum converter reads it
  sensor["imagePullPolicy"] = "never";
  sensor["startupOrder"] = 4294967295u;
  sensor["version"] = 2;
  sensor["env"]["NUM"] = {{"value", 1.5}};
  sensor["env"]["YES"] = {{"value", true}};
  sensor["unknownKey"] = {{"ignored", true}};  // forward compatibility
  d["someFutureKey"] = 1;
  d["systemModules"]["edgeAgent"]["status"] = "whatever";  // the agent's own status is not read
  auto parsed = parse_agent_desired(d);
  ASSERT_TRUE(parsed) << parsed.failure().description;
  EXPECT_EQ(parsed->schema_version, "1.0");
  EXPECT_EQ(parsed->version, 0);
  const ModuleDesired& m = parsed->modules[1];
  EXPECT_EQ(m.status, DesiredStatus::stopped);
  EXPECT_EQ(m.restart_policy, RestartPolicy::never);
  EXPECT_EQ(m.image_pull_policy, ImagePullPolicy::never);
  EXPECT_EQ(m.startup_order, 4294967295u);
  EXPECT_EQ(m.version, "2");
  EXPECT_EQ(env_of(m, "NUM"), "1.5");
  EXPECT_EQ(env_of(m, "YES"), "true");
  EXPECT_TRUE(parsed->edge_hub);
  d["systemModules"].erase("edgeHub");  // a device without a hub
  parsed = parse_agent_desired(d);
  ASSERT_TRUE(parsed) << parsed.failure().description;
  EXPECT_FALSE(parsed->edge_hub);
}

TEST(Manifest, ImagesGetLatestWhenUntagged) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"host:5000/img:1.0", "host:5000/img:1.0"},
      {"host:5000/img", "host:5000/img:latest"},
      {"img", "img:latest"},
      {"  contoso/img:2  ", "contoso/img:2"},
      {"reg.io/a/b/c", "reg.io/a/b/c:latest"},
      {"img@sha256:0123abcd", "img@sha256:0123abcd"},
      {"$upstream:443/azureiotedge-hub:1.5", "$upstream:443/azureiotedge-hub:1.5"},
      {"$upstream:8000/img", "$upstream:8000/img:latest"},
  };
  for (const auto& [given, expected] : cases) {
    json d = desired();
    d["modules"]["sensor"]["settings"]["image"] = given;
    auto parsed = parse_agent_desired(d);
    ASSERT_TRUE(parsed) << given << ": " << parsed.failure().description;
    EXPECT_EQ(find_module(*parsed, "sensor")->image, expected) << given;
  }
  for (const std::string bad : {"", "   ", "img:", "a/b/", ":tag", "img:1:2", "$foo/img", "$upstream/img"}) {
    json d = desired();
    d["modules"]["sensor"]["settings"]["image"] = bad;
    expect_400(d, "modules.sensor.settings.image: ");
  }
}

TEST(Manifest, StartupOrderBounds) {
  json d = desired();
  d["modules"]["sensor"]["startupOrder"] = 0;
  ASSERT_TRUE(parse_agent_desired(d));
  EXPECT_EQ(find_module(*parse_agent_desired(d), "sensor")->startup_order, 0u);
  d["modules"]["sensor"]["startupOrder"] = -1;
  expect_400(d, "modules.sensor.startupOrder: -1 is not a whole number from 0 to 4294967295");
  d["modules"]["sensor"]["startupOrder"] = 4294967296ull;
  expect_400(d, "modules.sensor.startupOrder: 4294967296 is not a whole number");
  d["modules"]["sensor"]["startupOrder"] = "1";
  expect_400(d, "modules.sensor.startupOrder: '1' is not a whole number");
  d["modules"]["sensor"]["startupOrder"] = 1.5;
  expect_400(d, "modules.sensor.startupOrder: 1.5 is not");
}

// ---- crafted: each code ------------------------------------------------------------------

TEST(Manifest, NoDeploymentIs417) {
  EXPECT_EQ(status_of(json::object()).code, 417);
  EXPECT_EQ(status_of(json{{"$version", 3}}).code, 417);
  EXPECT_EQ(status_of(json{{"$version", 3}, {"$metadata", {{"$lastUpdated", "x"}}}}).code, 417);
  EXPECT_EQ(status_of(json()).code, 417);
  json d = desired();
  d.erase("systemModules");
  EXPECT_EQ(status_of(d).code, 417);
  EXPECT_NE(status_of(d).description.find("systemModules"), std::string::npos);
}

TEST(Manifest, UnsupportedSchemaVersionIs412) {
  for (const json& version : {json("2.0"), json("1.2"), json("0.9"), json("1"), json("one"), json(1.1)}) {
    json d = desired();
    d["schemaVersion"] = version;
    const auto status = status_of(d);
    EXPECT_EQ(status.code, 412) << version;
    EXPECT_NE(status.description.find(version.is_string() ? version.get<std::string>() : version.dump()),
              std::string::npos)
        << status.description;  // says what was found
  }
  json d = desired();
  d.erase("schemaVersion");
  EXPECT_EQ(status_of(d).code, 412);
  EXPECT_NE(status_of(d).description.find("schemaVersion: missing"), std::string::npos);
  d["schemaVersion"] = "1.1.0";  // .NET's Version has up to four parts
  EXPECT_EQ(status_of(d).code, 200) << status_of(d).description;
}

TEST(Manifest, FormatErrorsAre400NamingTheField) {
  auto with = [](auto change) {
    json d = desired();
    change(d);
    return d;
  };
  expect_400(with([](json& d) { d["modules"]["bad name"] = d["modules"]["sensor"]; }),
             "modules: 'bad name' is not a module name");
  expect_400(with([](json& d) { d["modules"]["edgeHub"] = d["modules"]["sensor"]; }), "modules.edgeHub: ");
  expect_400(with([](json& d) { d["modules"]["sensor"]["status"] = "paused"; }),
             "modules.sensor.status: 'paused' is not one of running, stopped");
  expect_400(with([](json& d) { d["modules"]["sensor"]["restartPolicy"] = "on-failured"; }),
             "modules.sensor.restartPolicy: 'on-failured' is not one of never, on-failure, on-unhealthy, always");
  expect_400(with([](json& d) { d["modules"]["sensor"]["imagePullPolicy"] = "always"; }),
             "modules.sensor.imagePullPolicy: 'always' is not one of on-create, never");
  expect_400(with([](json& d) { d["modules"]["sensor"]["env"]["ALPHA"] = "a"; }),
             "modules.sensor.env.ALPHA: must be an object {\"value\": \"…\"}, found 'a'");
  expect_400(with([](json& d) { d["modules"]["sensor"]["env"]["ALPHA"]["value"] = json::array(); }),
             "modules.sensor.env.ALPHA.value: must be a string");
  expect_400(with([](json& d) { d["modules"]["sensor"]["env"]["A=B"] = {{"value", "x"}}; }), "modules.sensor.env.A=B");
  expect_400(with([](json& d) { d["modules"]["sensor"]["settings"].erase("image"); }),
             "modules.sensor.settings.image: missing");
  expect_400(with([](json& d) { d["modules"]["sensor"].erase("settings"); }), "modules.sensor.settings: missing");
  expect_400(with([](json& d) { d["modules"]["sensor"]["settings"]["image"] = 5; }),
             "modules.sensor.settings.image: must be a string, found 5");
  expect_400(with([](json& d) { d["modules"]["sensor"]["type"] = "rkt"; }), "modules.sensor.type: 'rkt'");
  expect_400(with([](json& d) { d["modules"]["sensor"].erase("type"); }), "modules.sensor.type: missing");
  expect_400(with([](json& d) { d["modules"]["sensor"]["settings"]["createOptions"] = "{\"Cmd\": ["; }),
             "modules.sensor.settings.createOptions: not valid JSON ('{\"Cmd\": [')");
  expect_400(with([](json& d) {
               d["modules"]["sensor"]["settings"]["createOptions"] = "{\"Cmd\":";
               d["modules"]["sensor"]["settings"]["createOptions01"] = "[\"a\",";
               d["modules"]["sensor"]["settings"]["createOptions03"] = "\"b\"]}";
             }),
             "modules.sensor.settings.createOptions02: missing between createOptions01 and createOptions03");
  expect_400(with([](json& d) { d["runtime"]["settings"]["registryCredentials"]["acr"].erase("password"); }),
             "runtime.settings.registryCredentials.acr.password: missing");
  expect_400(with([](json& d) { d["runtime"]["settings"]["registryCredentials"]["acr"]["address"] = " "; }),
             "runtime.settings.registryCredentials.acr.address: must be a non-empty string");
  expect_400(with([](json& d) { d["runtime"]["type"] = "rkt"; }), "runtime.type: 'rkt' is not a runtime");
  expect_400(with([](json& d) { d.erase("runtime"); }), "runtime: missing");
  expect_400(with([](json& d) { d["systemModules"].erase("edgeAgent"); }), "systemModules.edgeAgent: missing");
  expect_400(with([](json& d) { d["systemModules"]["edgeHub"]["restartPolicy"] = 3; }),
             "systemModules.edgeHub.restartPolicy: 3 is not one of");
  expect_400(with([](json& d) { d["modules"] = json::array(); }), "modules: must be an object, found an array");
  expect_400(with([](json& d) { d["runtime"]["settings"]["loggingOptions"] = json::object(); }),
             "runtime.settings.loggingOptions: must be a string");
}

TEST(Manifest, EveryProblemIsListedUpToTen) {
  json d = desired();
  d["modules"]["sensor"]["status"] = "paused";
  d["modules"]["filter"]["restartPolicy"] = "sometimes";
  const auto two = status_of(d);
  EXPECT_EQ(two.description,
            "modules.filter.restartPolicy: 'sometimes' is not one of never, on-failure, on-unhealthy, always; "
            "modules.sensor.status: 'paused' is not one of running, stopped");
  for (int i = 0; i < 30; ++i) d["modules"][fmt::format("m{:02}", i)] = {{"type", "docker"}};
  const auto many = status_of(d);
  EXPECT_EQ(many.code, 400);
  EXPECT_NE(many.description.find("; and 22 more"), std::string::npos) << many.description;
}

TEST(Manifest, PasswordsAreNeverQuoted) {
  json d = desired();
  d["runtime"]["settings"]["registryCredentials"]["acr"]["password"] = 987654321;
  d["runtime"]["settings"]["registryCredentials"]["zeta"] = "secret-in-the-wrong-place";
  const auto status = status_of(d);
  EXPECT_EQ(status.code, 400);
  EXPECT_EQ(status.description.find("987654321"), std::string::npos) << status.description;
  EXPECT_EQ(status.description.find("secret"), std::string::npos) << status.description;
}

TEST(Manifest, DescriptionsAreValidUtf8WhateverTheInput) {
  json d = desired();
  d["modules"]["sensor"]["restartPolicy"] = std::string("\xff\xfe on-\xc3", 7) + std::string(200, 'x');
  d["modules"][std::string("bad\x80name\n")] = d["modules"]["filter"];
  const auto status = status_of(d);
  EXPECT_EQ(status.code, 400);
  EXPECT_NO_THROW((void)json(status.description).dump());
  EXPECT_EQ(status.description.find('\n'), std::string::npos);
  EXPECT_LT(status.description.size(), 400u);
}

TEST(Manifest, DeepCreateOptionsAreA400NotACrash) {
  json d = desired();
  d["modules"]["sensor"]["settings"]["createOptions"] = std::string(100000, '[') + std::string(100000, ']');
  expect_400(d, "modules.sensor.settings.createOptions: JSON nested deeper than 128 levels");
  d["modules"]["sensor"]["settings"]["createOptions"] = std::string(100000, '{');
  expect_400(d, "modules.sensor.settings.createOptions: JSON nested deeper than 128 levels");
}

// ---- createOptions -----------------------------------------------------------------------

TEST(CreateOptions, ObjectStringOrChunks) {
  const json object = {{"HostConfig", {{"Privileged", true}}}};
  EXPECT_EQ(*read_create_options(json{{"createOptions", object}}), object);
  EXPECT_EQ(*read_create_options(json{{"createOptions", object.dump()}}), object);
  EXPECT_EQ(*read_create_options(json::object()), json::object());
  EXPECT_EQ(*read_create_options(json{{"createOptions", ""}}), json::object());
  EXPECT_EQ(*read_create_options(json{{"createOptions", " \r\n "}}), json::object());
  EXPECT_EQ(*read_create_options(json{{"createOptions", "NULL"}}), json::object());  // as IoT Edge
  EXPECT_EQ(*read_create_options(json{{"createOptions", nullptr}}), json::object());
  const std::string text = object.dump();
  EXPECT_EQ(*read_create_options(json{{"createOptions", text.substr(0, 5)},
                                      {"createOptions01", text.substr(5, 10)},
                                      {"createOptions02", text.substr(15)}}),
            object);
}

TEST(CreateOptions, ErrorsNameTheKey) {
  auto error = [](const json& settings) {
    auto got = read_create_options(settings);
    return got ? std::string("<accepted>") : got.error();
  };
  EXPECT_EQ(error({{"createOptions", 5}}).rfind("createOptions: must be an object or a string of JSON, found 5", 0),
            0u);
  EXPECT_EQ(error({{"createOptions", "[1]"}}).rfind("createOptions: the JSON text holds an array", 0), 0u);
  EXPECT_EQ(error({{"createOptions", "\"x\""}}).rfind("createOptions: the JSON text holds 'x'", 0), 0u);
  EXPECT_EQ(error({{"createOptions", "{"}}).rfind("createOptions: not valid JSON", 0), 0u);
  EXPECT_EQ(error({{"createOptions", "{"}, {"createOptions01", "}"}, {"createOptions03", ""}}),
            "createOptions02: missing between createOptions01 and createOptions03 (the chunks must be contiguous)");
  EXPECT_EQ(error({{"createOptions", "{"}, {"createOptions02", "}"}}).rfind("createOptions01: missing", 0), 0u);
  EXPECT_EQ(error({{"createOptions01", "{}"}}).rfind("createOptions: missing, but createOptions01 is there", 0), 0u);
  EXPECT_EQ(
      error({{"createOptions", "{"}, {"createOptions1", "}"}}).rfind("createOptions1: not a createOptions chunk", 0),
      0u);
  EXPECT_EQ(error({{"createOptions", "{"}, {"createOptions00", "}"}}).rfind("createOptions00: not a", 0), 0u);
  EXPECT_EQ(error({{"createOptions", "{"}, {"createOptions100", "}"}}).rfind("createOptions100: not a", 0), 0u);
  EXPECT_EQ(
      error({{"createOptions", json::object()}, {"createOptions01", "}"}}).rfind("createOptions: must be a string", 0),
      0u);
  EXPECT_EQ(error({{"createOptions", "{"}, {"createOptions01", 7}}).rfind("createOptions01: must be a string", 0), 0u);
  EXPECT_EQ(error({{"createOptions", "{\"a\":"}, {"createOptions01", "]"}})
                .rfind("createOptions … createOptions01 (joined): not valid JSON", 0),
            0u);
}

TEST(CreateOptions, NinetyNineChunks) {
  json settings = {{"createOptions", "{\"a\":\""}};
  for (int i = 1; i <= 98; ++i) settings[fmt::format("createOptions{:02}", i)] = "x";
  settings["createOptions99"] = "\"}";
  auto got = read_create_options(settings);
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ((*got)["a"], std::string(98, 'x'));
}

// ---- the whole deployment ----------------------------------------------------------------

json deployment() {
  return {{"modulesContent",
           {{"$edgeAgent", {{"properties.desired", desired()}}},
            {"$edgeHub", {{"properties.desired", {{"schemaVersion", "1.1"}, {"routes", json::object()}}}}},
            {"sensor", {{"properties.desired", {{"interval", 5}}}}}}}};
}

TEST(Deployment, AgentHubAndModuleTwins) {
  auto parsed = parse_deployment(deployment());
  ASSERT_TRUE(parsed) << parsed.failure().description;
  EXPECT_EQ(parsed->agent, *parse_agent_desired(desired()));
  EXPECT_EQ(parsed->edge_hub_desired["schemaVersion"], "1.1");
  ASSERT_EQ(parsed->module_desired.size(), 1u);
  EXPECT_EQ(parsed->module_desired.at("sensor"), (json{{"interval", 5}}));

  // Without the modulesContent wrapper, and inside az CLI's {"content": …}.
  auto bare = parse_deployment(deployment()["modulesContent"]);
  ASSERT_TRUE(bare) << bare.failure().description;
  EXPECT_EQ(bare->agent, parsed->agent);
  auto wrapped = parse_deployment(json{{"content", deployment()}});
  ASSERT_TRUE(wrapped) << wrapped.failure().description;
  EXPECT_EQ(wrapped->module_desired, parsed->module_desired);

  json no_hub = deployment();
  no_hub["modulesContent"].erase("$edgeHub");
  ASSERT_TRUE(parse_deployment(no_hub));
  EXPECT_EQ(parse_deployment(no_hub)->edge_hub_desired, json::object());
}

TEST(Deployment, Codes) {
  auto code = [](const json& content) {
    auto parsed = parse_deployment(content);
    return parsed ? 200 : parsed.failure().code;
  };
  auto description = [](const json& content) {
    auto parsed = parse_deployment(content);
    return parsed ? std::string() : parsed.failure().description;
  };
  EXPECT_EQ(code(json::array()), 400);
  EXPECT_EQ(code(json::object()), 417);
  EXPECT_EQ(code(json{{"modulesContent", json::object()}}), 417);
  EXPECT_EQ(code(json{{"modulesContent", 1}}), 400);
  EXPECT_NE(description(json{{"moduleContent", deployment()["modulesContent"]}}).find("\"modulesContent\""),
            std::string::npos);

  json d = deployment();
  d["modulesContent"]["$edgeAgent"].erase("properties.desired");
  EXPECT_EQ(code(d), 417);
  d["modulesContent"]["$edgeAgent"] = "x";
  EXPECT_EQ(code(d), 400);

  d = deployment();
  d["modulesContent"]["$edgeHub"]["properties.desired"] = "routes";
  EXPECT_EQ(code(d), 400);
  EXPECT_NE(description(d).find("$edgeHub.properties.desired: must be an object"), std::string::npos);
  d = deployment();
  d["modulesContent"]["$edgeHub"] = 1;
  EXPECT_EQ(code(d), 400);
  d = deployment();
  d["modulesContent"]["sensor"] = {{"interval", 5}};
  EXPECT_NE(description(d).find("sensor.properties.desired: missing"), std::string::npos) << description(d);
  d["modulesContent"]["sensor"] = {{"properties.desired", 5}};
  EXPECT_NE(description(d).find("sensor.properties.desired: must be an object"), std::string::npos);

  // The agent's problems first, then the envelope's.
  d["modulesContent"]["$edgeAgent"]["properties.desired"]["runtime"]["type"] = "rkt";
  EXPECT_EQ(code(d), 400);
  EXPECT_EQ(description(d).rfind("runtime.type: 'rkt'", 0), 0u) << description(d);
  EXPECT_NE(description(d).find("; sensor.properties.desired"), std::string::npos) << description(d);
  // A 412 or 417 of the agent wins over the envelope's 400s.
  d["modulesContent"]["$edgeAgent"]["properties.desired"]["schemaVersion"] = "2.0";
  EXPECT_EQ(code(d), 412);
}

TEST(Manifest, ValuesAreSpelledAsManifestsSpellThem) {
  EXPECT_EQ(to_string(RestartPolicy::never), "never");
  EXPECT_EQ(to_string(RestartPolicy::on_failure), "on-failure");
  EXPECT_EQ(to_string(RestartPolicy::on_unhealthy), "on-unhealthy");
  EXPECT_EQ(to_string(RestartPolicy::always), "always");
  EXPECT_EQ(to_string(DesiredStatus::running), "running");
  EXPECT_EQ(to_string(DesiredStatus::stopped), "stopped");
  EXPECT_EQ(to_string(ImagePullPolicy::on_create), "on-create");
  EXPECT_EQ(to_string(ImagePullPolicy::never), "never");
}

}  // namespace
}  // namespace outpost::agent
