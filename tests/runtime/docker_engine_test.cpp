// The Docker Engine API's shapes without a dockerd: the create body as IoT Edge merges it,
// states as IoT Edge maps them, the log stream demultiplexed, top's PIDs, X-Registry-Auth.
#include "docker_engine.h"

#include <gtest/gtest.h>

#include "outpost/core/encoding.h"

namespace outpost::runtime {
namespace {

using nlohmann::json;

TEST(DockerEngine, TheCreateBodyMergesEnvLabelsAndTheNetworkAsIotEdgeDoes) {
  ModuleSpec spec;
  spec.name = "filter";
  spec.image = "contoso/filter:1.0";
  spec.env = {{"A", "spec"}, {"B", "spec"}};
  spec.labels = {{"net.azure-devices.edge.owner", "Microsoft.Azure.Devices.Edge.Agent"}};
  spec.create_options = {{"Env", {"B=options", "C=options"}}, {"Labels", {{"tier", "1"}}}, {"HostConfig", {{"Memory", 1024}}}};
  const auto body = container_create_body(spec, "azure-iot-edge");
  EXPECT_EQ(body["Image"], "contoso/filter:1.0");
  EXPECT_EQ(body["Env"], json({"A=spec", "B=options", "C=options"})) << "createOptions.Env wins a clash";
  EXPECT_EQ(body["Labels"]["tier"], "1");
  EXPECT_EQ(body["Labels"]["net.azure-devices.edge.owner"], "Microsoft.Azure.Devices.Edge.Agent");
  EXPECT_EQ(body["HostConfig"]["Memory"], 1024);
  EXPECT_EQ(body["HostConfig"]["NetworkMode"], "azure-iot-edge");
  EXPECT_TRUE(body["NetworkingConfig"]["EndpointsConfig"].contains("azure-iot-edge"));

  // What was asked for comes back from the labels, for the agent's comparison.
  const json inspect{{"Config", {{"Labels", body["Labels"]}}}};
  const auto back = spec_from_labels(inspect);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->image, spec.image);
  EXPECT_EQ(back->env, spec.env);
  EXPECT_EQ(back->create_options, spec.create_options);
  EXPECT_FALSE(spec_from_labels(json{{"Config", {{"Labels", {{"x", "y"}}}}}}));
}

TEST(DockerEngine, AModulesOwnNetworkChoiceIsKept) {
  ModuleSpec spec;
  spec.image = "i";
  spec.create_options = {{"NetworkingConfig", {{"EndpointsConfig", {{"host", json::object()}}}}}};
  const auto body = container_create_body(spec, "azure-iot-edge");
  EXPECT_FALSE(body["NetworkingConfig"]["EndpointsConfig"].contains("azure-iot-edge"));
  EXPECT_FALSE(body.contains("HostConfig"));
}

TEST(DockerEngine, PublishedPortsAreExposedAsDockerRunWouldExposeThem) {
  ModuleSpec spec;
  spec.image = "i";
  spec.create_options = json::parse(R"({"ExposedPorts": {"443/tcp": {"kept": true}},
    "HostConfig": {"PortBindings": {"8883/tcp": [{"HostPort": "8883"}], "443/tcp": [{"HostPort": "443"}]}}})");
  const auto body = container_create_body(spec, "azure-iot-edge");
  EXPECT_EQ(body["ExposedPorts"], json::parse(R"({"443/tcp": {"kept": true}, "8883/tcp": {}})"));
  spec.create_options = json::object();
  EXPECT_FALSE(container_create_body(spec, "azure-iot-edge").contains("ExposedPorts")) << "nothing published, nothing added";
}

TEST(DockerEngine, StatesAreMappedAsIotEdgeMapsThem) {
  const auto state = [](json s) { return status_from_inspect("m", json{{"State", std::move(s)}}); };
  EXPECT_EQ(state({{"Status", "running"}, {"Pid", 42}, {"StartedAt", "2026-12-04T05:30:00.123456789Z"}}).state,
            ModuleState::running);
  EXPECT_EQ(state({{"Status", "running"}, {"Pid", 42}}).pid, 42);
  EXPECT_EQ(state({{"Status", "running"}, {"Health", {{"Status", "unhealthy"}}}}).state, ModuleState::unhealthy);
  EXPECT_EQ(state({{"Status", "created"}}).state, ModuleState::stopped);
  EXPECT_EQ(state({{"Status", "exited"}, {"ExitCode", 0}}).state, ModuleState::stopped);
  const auto failed = state({{"Status", "exited"}, {"ExitCode", 137}, {"FinishedAt", "2026-12-04T05:31:00Z"},
                             {"StartedAt", "0001-01-01T00:00:00Z"}});
  EXPECT_EQ(failed.state, ModuleState::failed);
  EXPECT_EQ(failed.exit_code, 137);
  EXPECT_FALSE(failed.start_time) << "Docker's zero time is dropped";
  EXPECT_EQ(failed.exit_time, 1796362260);
  EXPECT_EQ(state({{"Status", "dead"}}).state, ModuleState::dead);
  EXPECT_EQ(state({{"Status", "what"}}).state, ModuleState::unknown);
}

TEST(DockerEngine, LogStreamsAreDemultiplexed) {
  const std::string framed = std::string("\x01\0\0\0\0\0\0\x06hello\n", 14) + std::string("\x02\0\0\0\0\0\0\x04oops", 12);
  EXPECT_EQ(demultiplex_logs(framed), "hello\noops");
  EXPECT_EQ(demultiplex_logs("plain tty output\n"), "plain tty output\n");
  EXPECT_EQ(demultiplex_logs(framed.substr(0, 18)), "hello\n") << "a cut frame is left out";
  EXPECT_EQ(demultiplex_logs(""), "");
}

TEST(DockerEngine, TopGivesThePidsWhateverTheColumns) {
  const json top{{"Titles", {"UID", "PID", "PPID", "CMD"}}, {"Processes", {{"root", "101", "1", "sh"}, {"root", "102", "101", "sleep"}}}};
  EXPECT_EQ(pids_from_top(top), (std::vector<std::int64_t>{101, 102}));
  EXPECT_TRUE(pids_from_top(json::object()).empty());
}

TEST(DockerEngine, RegistryAuthIsBase64UrlOfTheCredentials) {
  const auto header = registry_auth_header({{"username", "u"}, {"password", "p?>"}, {"serveraddress", "r.io"}});
  EXPECT_EQ(header.find_first_of("+/"), std::string::npos);
  auto standard = header;
  for (auto& c : standard) c = c == '-' ? '+' : c == '_' ? '/' : c;
  EXPECT_EQ(json::parse(*base64_decode(standard)), json({{"username", "u"}, {"password", "p?>"}, {"serveraddress", "r.io"}}));
}

}  // namespace
}  // namespace outpost::runtime
