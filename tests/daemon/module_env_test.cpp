// The environment outpostd injects: IoT Edge's IOTEDGE_* for every module, the management
// socket for the agent, and on a device with no cloud the deployment file for the agent and
// the hub (and the device-scope socket for the hub) — never for a user module.
#include "module_env.h"

#include <gtest/gtest.h>

#include <map>

namespace outpost::daemon {
namespace {

std::map<std::string, std::string> as_map(const Environment& env) { return {env.begin(), env.end()}; }

DeviceContext device(const std::string& local_deployment_file = "") {
  return {"hub.example", "edge1", "gateway.local", "unix:///run/outpost/mgmt.sock", "/var/lib/outpost/mnt", "azure-iot-edge",
          local_deployment_file};
}

TEST(ModuleEnvironment, EveryModuleGetsIoTEdgesVariablesAndOnlyUserModulesTheGateway) {
  const auto user = as_map(module_environment(device(), "sensor", "111", ModuleRole::user, "unix:///w.sock"));
  EXPECT_EQ(user.at("IOTEDGE_WORKLOADURI"), "unix:///w.sock");
  EXPECT_EQ(user.at("IOTEDGE_MODULEID"), "sensor");
  EXPECT_EQ(user.at("IOTEDGE_MODULEGENERATIONID"), "111");
  EXPECT_EQ(user.at("IOTEDGE_GATEWAYHOSTNAME"), "gateway.local");
  EXPECT_FALSE(user.count("IOTEDGE_MANAGEMENTURI"));
  const auto hub = as_map(module_environment(device(), "$edgeHub", "222", ModuleRole::hub, "unix:///w.sock"));
  EXPECT_EQ(hub.at("EdgeDeviceHostName"), "gateway.local");
  EXPECT_FALSE(hub.count("IOTEDGE_GATEWAYHOSTNAME"));
  EXPECT_FALSE(hub.count("IOTEDGE_MANAGEMENTURI")) << "with a cloud the hub needs no management socket";
  EXPECT_FALSE(hub.count("OUTPOST_DEPLOYMENT_FILE"));
  const auto agent = as_map(module_environment(device(), "$edgeAgent", "333", ModuleRole::agent, "unix:///w.sock"));
  EXPECT_EQ(agent.at("IOTEDGE_MANAGEMENTURI"), "unix:///run/outpost/mgmt.sock");
}

TEST(ModuleEnvironment, WithNoCloudTheAgentAndTheHubFollowTheDeploymentFile) {
  const auto local = device("/etc/outpost/deployment.json");
  const auto hub = as_map(module_environment(local, "$edgeHub", "222", ModuleRole::hub, "unix:///w.sock"));
  EXPECT_EQ(hub.at("OUTPOST_DEPLOYMENT_FILE"), "/etc/outpost/deployment.json");
  EXPECT_EQ(hub.at("IOTEDGE_MANAGEMENTURI"), "unix:///run/outpost/mgmt.sock") << "the hub reads identities there";
  const auto agent = as_map(module_environment(local, "$edgeAgent", "333", ModuleRole::agent, "unix:///w.sock"));
  EXPECT_EQ(agent.at("OUTPOST_DEPLOYMENT_FILE"), "/etc/outpost/deployment.json");
  const auto user = as_map(module_environment(local, "sensor", "111", ModuleRole::user, "unix:///w.sock"));
  EXPECT_FALSE(user.count("OUTPOST_DEPLOYMENT_FILE"));
  EXPECT_FALSE(user.count("IOTEDGE_MANAGEMENTURI"));
}

TEST(ModuleEnvironment, AModuleCannotOverrideWhatIsInjected) {
  const auto injected = module_environment(device(), "sensor", "111", ModuleRole::user, "unix:///w.sock");
  const auto merged = as_map(merge_environment(injected, {{"IOTEDGE_MODULEID", "edgeHub"}, {"MY_SETTING", "1"}}));
  EXPECT_EQ(merged.at("IOTEDGE_MODULEID"), "sensor");
  EXPECT_EQ(merged.at("MY_SETTING"), "1");
}

}  // namespace
}  // namespace outpost::daemon
