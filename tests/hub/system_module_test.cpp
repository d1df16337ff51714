// outpost-hub as a system module: what its environment must say (each missing or bad variable
// named), the routes it takes from a local deployment file in each of the agent's shapes, and
// the watch that hands it a changed file's routes (and keeps the running ones on a bad file).
// The workload API part (certificate, trust bundle, signing) runs in agent.edgehub_*.
#include "system_module.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "deployment_file_watch.h"
#include "outpost/core/config.h"
#include "support/mqtt_test_client.h"
#include "support/process.h"

namespace outpost::hub {
namespace {

using outpost::testing::make_temp_dir;
using outpost::testing::write_file;

constexpr const char* kVariables[] = {
    "IOTEDGE_WORKLOADURI", "IOTEDGE_MODULEID", "IOTEDGE_MODULEGENERATIONID", "IOTEDGE_IOTHUBHOSTNAME",
    "IOTEDGE_DEVICEID", "EdgeDeviceHostName", "EDGEDEVICEHOSTNAME", "StorageFolder", "RuntimeLogLevel",
    "OUTPOST_DEPLOYMENT_FILE", "IOTEDGE_MANAGEMENTURI", "OUTPOST_HUB_LISTEN_MQTTS", "OUTPOST_HUB_LISTEN_WSS",
    "OUTPOST_HUB_LISTEN_METRICS", "OUTPOST_HUB_LISTEN_MQTT"};

std::string deployment_with_routes(const std::string& routes_json) {
  return R"({"modulesContent": {"$edgeAgent": {"properties.desired": {"schemaVersion": "1.1"}},
             "$edgeHub": {"properties.desired": {"schemaVersion": "1.1", "routes": )" +
         routes_json + R"(, "storeAndForwardConfiguration": {"timeToLiveSecs": 60}}}}})";
}

class SystemModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto* v : kVariables) ::unsetenv(v);
    dir_ = make_temp_dir("outpost-hub-sysmod");
  }
  void TearDown() override {
    for (const auto* v : kVariables) ::unsetenv(v);
    std::filesystem::remove_all(dir_);
  }
  // Everything outpostd sets, for a device with no cloud; the workload socket answers nothing.
  void set_local_environment() {
    ::setenv("IOTEDGE_WORKLOADURI", ("unix://" + dir_ + "/workload.sock").c_str(), 1);
    ::setenv("IOTEDGE_MODULEID", "$edgeHub", 1);
    ::setenv("IOTEDGE_MODULEGENERATIONID", "123456789012345678", 1);
    ::setenv("IOTEDGE_IOTHUBHOSTNAME", "hub.local", 1);
    ::setenv("IOTEDGE_DEVICEID", "edge1", 1);
    ::setenv("EdgeDeviceHostName", "gateway.local", 1);
    ::setenv("StorageFolder", (dir_ + "/storage").c_str(), 1);
    ::setenv("OUTPOST_DEPLOYMENT_FILE", (dir_ + "/deployment.json").c_str(), 1);
    ::setenv("IOTEDGE_MANAGEMENTURI", ("unix://" + dir_ + "/mgmt.sock").c_str(), 1);
  }
  std::vector<std::string> problems() {
    try {
      load_system_module_startup("");
    } catch (const ConfigError& e) {
      return e.problems();
    }
    ADD_FAILURE() << "the environment was accepted";
    return {};
  }
  std::string dir_;
};

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& p : problems)
    if (p.find(text) != std::string::npos) return true;
  return false;
}

TEST_F(SystemModuleTest, OnlyWithoutConfigAndWithAWorkloadApi) {
  EXPECT_FALSE(runs_as_system_module(""));
  ::setenv("IOTEDGE_WORKLOADURI", "unix:///run/workload.sock", 1);
  EXPECT_TRUE(runs_as_system_module(""));
  EXPECT_FALSE(runs_as_system_module("hub.yaml")) << "an explicit --config must win";
}

TEST_F(SystemModuleTest, EachMissingVariableIsNamed) {
  ::setenv("IOTEDGE_WORKLOADURI", "unix:///run/workload.sock", 1);
  const auto listed = problems();
  for (const auto* v : {"IOTEDGE_MODULEID", "IOTEDGE_MODULEGENERATIONID", "IOTEDGE_IOTHUBHOSTNAME", "IOTEDGE_DEVICEID",
                        "EdgeDeviceHostName"})
    EXPECT_TRUE(mentions(listed, v)) << v << " not named";
}

TEST_F(SystemModuleTest, BadListenersLocalWithoutManagementAndAnUnansweringWorkloadApi) {
  set_local_environment();
  ::setenv("OUTPOST_HUB_LISTEN_MQTTS", "no-port", 1);
  ::setenv("IOTEDGE_MANAGEMENTURI", "http://127.0.0.1:1", 1);
  auto listed = problems();
  EXPECT_TRUE(mentions(listed, "OUTPOST_HUB_LISTEN_MQTTS")) << ::testing::PrintToString(listed);
  EXPECT_TRUE(mentions(listed, "IOTEDGE_MANAGEMENTURI")) << ::testing::PrintToString(listed);

  for (const auto* v : {"OUTPOST_HUB_LISTEN_MQTTS", "OUTPOST_HUB_LISTEN_WSS"}) ::setenv(v, "off", 1);
  listed = problems();
  EXPECT_FALSE(mentions(listed, "all off")) << "AMQP (5671) still serves modules: " << ::testing::PrintToString(listed);
  ::setenv("OUTPOST_HUB_LISTEN_AMQPS", "off", 1);
  listed = problems();
  EXPECT_TRUE(mentions(listed, "all off")) << ::testing::PrintToString(listed);

  // Nothing wrong with the environment: the workload API that does not answer is the problem.
  for (const auto* v : {"OUTPOST_HUB_LISTEN_MQTTS", "OUTPOST_HUB_LISTEN_WSS", "OUTPOST_HUB_LISTEN_AMQPS"}) ::unsetenv(v);
  set_local_environment();
  listed = problems();
  ASSERT_EQ(listed.size(), 1u) << ::testing::PrintToString(listed);
  EXPECT_TRUE(mentions(listed, "workload API")) << listed[0];
  EXPECT_TRUE(mentions(listed, "gateway.local")) << listed[0];
}

TEST_F(SystemModuleTest, RoutesFromEachShapeOfTheDeploymentFile) {
  const auto file = dir_ + "/deployment.json";
  write_file(file, deployment_with_routes(R"({"r1": "FROM /messages/* INTO $upstream"})"));
  auto routes = load_deployment_routes(file);
  ASSERT_TRUE(routes);
  EXPECT_EQ(routes->route_table.size(), 1u);

  write_file(file, R"({"schemaVersion": "1.1", "modules": {}})");  // $edgeAgent's part alone: no routes in it
  EXPECT_FALSE(load_deployment_routes(file));

  write_file(file, R"({"modulesContent": {"$edgeHub": {"routes": {}}}})");
  EXPECT_THROW(load_deployment_routes(file), ConfigError) << "$edgeHub without properties.desired";
  write_file(file, deployment_with_routes(R"({"r1": "FROM nowhere INTO"})"));
  try {
    load_deployment_routes(file);
    ADD_FAILURE() << "a bad route was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
}

TEST_F(SystemModuleTest, TheWatchHandsOverAChangedFileAndKeepsRoutesOnABadOne) {
  const auto file = dir_ + "/deployment.json";
  write_file(file, deployment_with_routes(R"({"r1": "FROM /messages/* INTO $upstream"})"));
  net::EventLoop loop;
  std::vector<std::size_t> handed;
  DeploymentFileWatch watch(loop, file, [&](routing::EdgeHubConfig c) { handed.push_back(c.route_table.size()); });
  const auto settle = [&](auto condition) {
    return outpost::testing::wait_until([&] {
      loop.poll();
      return condition();
    });
  };
  write_file(file, deployment_with_routes(
                       R"({"r1": "FROM /messages/* INTO $upstream", "r2": "FROM /messages/modules/a/* INTO $upstream"})"));
  ASSERT_TRUE(settle([&] { return handed.size() == 1; })) << "the changed file was not handed over";
  EXPECT_EQ(handed[0], 2u);
  write_file(file, "{ not json");
  ASSERT_TRUE(settle([&] { return watch.refused() == 1; })) << "the file that does not parse was not seen";
  EXPECT_EQ(handed.size(), 1u) << "a file that does not parse was handed over";
  write_file(file + ".next", deployment_with_routes(R"({"r3": "FROM /messages/* INTO $upstream"})"));
  std::filesystem::rename(file + ".next", file);
  ASSERT_TRUE(settle([&] { return handed.size() == 2; })) << "the corrected file was not handed over";
  EXPECT_EQ(handed[1], 1u);
}

}  // namespace
}  // namespace outpost::hub
