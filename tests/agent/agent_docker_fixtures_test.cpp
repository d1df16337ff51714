// Every real manifest of tests/fixtures (../shared/fixtures, copied) deploys unchanged on a real
// dockerd: the only rewriting is the daemon's images table (IoT Edge's agent image → outpost-agent
// in a test image, every other image → a sleeper), as on the process runtime (agent_process_test).
// The agent is a container; each manifest is handed over with the CLI, accepted (200), and the
// engine then has exactly its modules as containers.
//
// The manifests publish IoT Edge's fixed host ports (443, 8883, 5671, ...) without a HostIp:
// on 0.0.0.0 those would take the ports every other test binds on its own loopback address, so
// the test makes the module network itself (outpostd uses a network that exists) with
// 127.0.0.77 as its default host address for published ports: an address no other test uses
// (they take random 127.x.y.z with x > 0, and the docs' pages 127.0.0.1). Module names are
// IoT Edge's own (edgeHub, ...), so it holds the docker_module_names lock.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "outpost/core/json.h"
#include "support/docker_images.h"
#include "support/mqtt_test_client.h"
#include "fixture_manifests.h"
#include "support/process.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using outpost::testing::Process;
using outpost::testing::read_file;
using outpost::testing::run_command;
using outpost::testing::wait_until;
using outpost::testing::write_file;

constexpr const char* kAgentImage = "outpost-test/agent:latest";
constexpr const char* kSleeperImage = "outpost-test/sleeper:latest";
const std::string kNetwork = "outpost-fixtures-test-" + std::to_string(::getpid());

class AgentDockerFixtures : public ::testing::Test {
 protected:
  void SetUp() override {
    auto reason = outpost::testing::ensure_docker_engine();
    if (reason.empty()) reason = outpost::testing::build_test_image(kAgentImage, {outpost::testing::built_binary("outpost-agent")});
    if (reason.empty())
      reason = outpost::testing::build_test_image(kSleeperImage, {},
                                                  {"/bin/sh", "-c", "trap 'exit 0' TERM; /bin/busybox sleep 3600 & wait"});
    if (!reason.empty()) GTEST_SKIP() << "SKIPPED LOUDLY: " << reason;
    std::set<std::string> names;
    for (const auto& manifest : outpost::testing::fixture_manifests(OUTPOST_FIXTURES_DIR "/manifests"))
      names.insert(manifest.modules.begin(), manifest.modules.end());
    for (const auto& removed : outpost::testing::remove_leftover_containers(names))
      std::cout << "removed container " << removed << "\n";
    dir_ = outpost::testing::make_temp_dir("outpost-agent-fixtures");
    std::filesystem::create_directories(dir_ + "/agent");
    const auto made = run_command({"docker", "network", "create", "-o", "com.docker.network.bridge.host_binding_ipv4=127.0.0.77",
                                   kNetwork}, 30s);
    ASSERT_EQ(made.status, 0) << made.output;
  }
  void TearDown() override {
    if (daemon_) {
      daemon_->signal(SIGTERM);
      daemon_->wait(90s);
    }
    if (dir_.empty()) return;
    const auto ids = run_command({"docker", "ps", "-aq", "--filter", "label=net.outpost.instance=" + dir_ + "/home"}, 30s).output;
    std::istringstream list(ids);
    for (std::string id; list >> id;) run_command({"docker", "rm", "-f", id}, 30s);
    run_command({"docker", "network", "rm", kNetwork}, 30s);
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }
  json reported() const {
    const auto parsed = outpost::parse_json(read_file(dir_ + "/agent/reported.json"));
    return parsed ? *parsed : json::object();
  }
  std::set<std::string> modules_listed() const {
    const auto out = run_command({"curl", "-s", "--unix-socket", dir_ + "/run/mgmt.sock",
                                  "http://localhost/modules?api-version=2020-07-07"}, 10s).output;
    std::set<std::string> names;
    const auto parsed = outpost::parse_json(out);
    if (parsed && parsed->contains("modules"))
      for (const auto& m : (*parsed)["modules"]) names.insert(m.value("name", ""));
    return names;
  }

  std::string dir_;
  std::unique_ptr<Process> daemon_;
};

TEST_F(AgentDockerFixtures, EveryFixtureManifestDeploysUnchanged) {
  // The agent container sees its state folder at the host's path. YAML by hand: the images
  // table is tried in order, and the agent's rule must come before "*".
  const json agent_options{{"Cmd", {outpost::testing::built_binary("outpost-agent")}},
                           {"HostConfig", {{"Binds", {dir_ + ":" + dir_}}}}};
  write_file(dir_ + "/config.yaml",
             "provisioning: { source: local, device_id: edge1, iothub_hostname: hub.local }\nhostname: edgegw\n"
             "homedir: " + dir_ + "/home\n"
             "connect: { management_uri: \"unix://" + dir_ + "/run/mgmt.sock\", workload_uri: \"unix://" + dir_ +
                 "/run/workload.sock\" }\n"
             "runtime: docker\n"
             "moby_runtime: { uri: \"unix:///var/run/docker.sock\", network: " + kNetwork + " }\n"
             "agent:\n  env: { StorageFolder: \"" + dir_ + "/agent\" }\n"
             "  config: { image: \"mcr.microsoft.com/azureiotedge-agent:1.5\", createOptions: " + json(agent_options.dump()).dump() + " }\n"
             "images: { \"mcr.microsoft.com/azureiotedge-agent:*\": \"" + kAgentImage + "\", \"*\": \"" + kSleeperImage + "\" }\n");
  daemon_ = std::make_unique<Process>(
      std::vector<std::string>{outpost::testing::built_binary("outpostd"), "-c", dir_ + "/config.yaml", "--ready-file",
                               dir_ + "/ready.json"},
      dir_ + "/outpostd.log");
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir_ + "/ready.json"); }, 20s)) << daemon_->log();

  int applied = 0;
  for (const auto& [file, expected] : outpost::testing::fixture_manifests(OUTPOST_FIXTURES_DIR "/manifests")) {
    const auto result = run_command(
        {outpost::testing::built_binary("outpost"), "deployment", "apply", file, "--config", dir_ + "/config.yaml"}, 10s);
    ASSERT_EQ(result.status, 0) << file << ": " << result.output;
    ++applied;
    std::set<std::string> listed;
    const bool matched = wait_until([&] {
      const auto r = reported();
      if (r.value("lastDesiredVersion", 0) != applied || r["lastDesiredStatus"].value("code", 0) != 200) return false;
      listed = modules_listed();
      return listed == expected;
    }, 90s);
    // Published ports on the network's loopback default only, never on every address.
    const auto ports = run_command({"docker", "ps", "--filter", "label=net.outpost.instance=" + dir_ + "/home", "--format",
                                    "{{.Names}} {{.Ports}}"}, 30s).output;
    EXPECT_EQ(ports.find("0.0.0.0:"), std::string::npos) << file << ": published on every address:\n" << ports;
    // The first manifest that does not deploy ends the test: the others would each wait 90 s.
    ASSERT_TRUE(matched) << file << ": the engine has " << testing::PrintToString(listed) << ", the manifest "
                         << testing::PrintToString(expected) << "\n" << reported()["lastDesiredStatus"].dump()
                         << "\n--- outpostd:\n" << daemon_->log().substr(daemon_->log().size() > 4000 ? daemon_->log().size() - 4000 : 0);
  }
  EXPECT_GE(applied, 20) << "the fixtures are there";
}

}  // namespace
