// outpostd with the Docker runtime against a real dockerd: it boots the agent as a container
// (a locally built image with curl), the agent signs through /var/run/iotedge/workload.sock
// and deploys a module through /var/run/iotedge/mgmt.sock, and that module signs as itself.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"
#include "outpost/core/json.h"
#include "support/docker_images.h"
#include "support/mqtt_test_client.h"
#include "support/process.h"

namespace {

using namespace std::chrono_literals;
using outpost::testing::Process;
using outpost::testing::read_file;
using outpost::testing::run_command;
using outpost::testing::wait_until;
using outpost::testing::write_file;

constexpr const char* kImage = "outpost-test/curl:latest";
const std::string kPrefix = "outpost-test-" + std::to_string(::getpid()) + "-";

// The agent (and the module it deploys) print what they got: the test reads `docker logs`.
const std::string kAgentScript =
    "curl -s --unix-socket /var/run/iotedge/workload.sock -X POST -H Content-Type:application/json "
    "-d '{\"data\":\"aGk=\"}' \"http://localhost/modules/%24edgeAgent/genid/$IOTEDGE_MODULEGENERATIONID/sign?api-version=2018-06-28\"; "
    "echo; echo gen=$IOTEDGE_MODULEGENERATIONID; "
    "curl -s -w ' %{http_code}' --unix-socket /var/run/iotedge/mgmt.sock -X POST -H Content-Type:application/json "
    "-d \"$FILTER_SPEC\" 'http://localhost/modules?api-version=2020-07-07' >/dev/null; "
    "curl -s --unix-socket /var/run/iotedge/mgmt.sock -X POST "
    "'http://localhost/modules/" + kPrefix + "filter/start?api-version=2020-07-07'; "
    "trap 'exit 0' TERM; /bin/busybox sleep 600 & wait";

class OutpostdDocker : public ::testing::Test {
 protected:
  void SetUp() override {
    auto reason = outpost::testing::ensure_docker_engine();
    if (reason.empty() && !std::filesystem::exists("/usr/bin/curl")) reason = "curl is not installed";
    if (reason.empty()) reason = outpost::testing::build_test_image(kImage, {"/usr/bin/curl"});
    if (!reason.empty()) GTEST_SKIP() << "SKIPPED LOUDLY: " << reason;
    dir_ = outpost::testing::make_temp_dir("outpostd-docker");
  }
  void TearDown() override {
    daemon_.reset();
    if (dir_.empty()) return;
    for (const auto& name : {kPrefix + "agent", kPrefix + "filter"}) run_command({"docker", "rm", "-f", name}, 30s);
    run_command({"docker", "network", "rm", kPrefix + "net"}, 30s);
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }
  std::string docker_logs(const std::string& name) { return run_command({"docker", "logs", name}, 30s).output; }

  std::string dir_;
  std::unique_ptr<Process> daemon_;
};

TEST_F(OutpostdDocker, TheAgentRunsAsAContainerSignsAsItselfAndDeploysAModuleThatDoesToo) {
  const nlohmann::json filter_spec{
      {"name", kPrefix + "filter"},
      {"type", "docker"},
      {"config",
       {{"settings",
         {{"image", kImage},
          {"createOptions",
           {{"Cmd", {"/bin/sh", "-c",
                     "curl -s --unix-socket /var/run/iotedge/workload.sock -X POST -H Content-Type:application/json "
                     "-d '{\"data\":\"aGk=\"}' \"http://localhost/modules/$IOTEDGE_MODULEID/genid/x/sign?api-version=2018-06-28\"; "
                     "echo; echo gen=$IOTEDGE_MODULEGENERATIONID; trap 'exit 0' TERM; /bin/busybox sleep 600 & wait"}}}}}},
        {"env", nlohmann::json::array()}}},
      {"imagePullPolicy", "never"}};
  const nlohmann::json agent_options{{"Cmd", {"/bin/sh", "-c", kAgentScript}}};
  // YAML is a superset of JSON: the config is written as JSON, so the scripts need no YAML quoting.
  const nlohmann::json config{
      {"provisioning", {{"source", "local"}}},
      {"hostname", "edgegw"},
      {"homedir", dir_ + "/home"},
      {"connect", {{"management_uri", "unix://" + dir_ + "/run/mgmt.sock"}, {"workload_uri", "unix://" + dir_ + "/run/workload.sock"}}},
      {"runtime", "docker"},
      {"moby_runtime", {{"network", kPrefix + "net"}}},
      {"agent",
       {{"name", kPrefix + "agent"},
        {"env", {{"FILTER_SPEC", filter_spec.dump()}}},
        {"config", {{"image", "mcr.microsoft.com/azureiotedge-agent:1.4"}, {"createOptions", agent_options.dump()}}}}},
      {"images", {{"mcr.microsoft.com/azureiotedge-agent:*", kImage}}}};
  write_file(dir_ + "/config.yaml", config.dump(2));
  daemon_ = std::make_unique<Process>(
      std::vector<std::string>{outpost::testing::built_binary("outpostd"), "-c", dir_ + "/config.yaml", "--ready-file",
                               dir_ + "/ready.json"},
      dir_ + "/outpostd.log");
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir_ + "/ready.json"); }, 20s)) << daemon_->log();
  EXPECT_EQ(outpost::parse_json(read_file(dir_ + "/ready.json")).value()["runtime"], "docker");

  const auto master = read_file(dir_ + "/home/keys/master.key");
  const auto expect_signed_as = [&](const std::string& container, const std::string& module_id) {
    std::string logs;
    ASSERT_TRUE(wait_until([&] { return (logs = docker_logs(container)).find("gen=") != std::string::npos; }, 30s))
        << container << ": " << logs << "\n" << daemon_->log();
    const auto at = logs.find("gen=") + 4;
    const auto generation = logs.substr(at, logs.find('\n', at) - at);
    const auto key = outpost::hmac_sha256(master, module_id + ":" + generation + ":primary");
    const auto digest = outpost::base64_encode(outpost::hmac_sha256(key, "hi"));
    EXPECT_NE(logs.find("{\"digest\":\"" + digest + "\"}"), std::string::npos) << container << " signed as " << module_id
                                                                               << ": " << logs;
  };
  expect_signed_as(kPrefix + "agent", "$edgeAgent");
  expect_signed_as(kPrefix + "filter", kPrefix + "filter");
  const auto inspect = run_command({"docker", "inspect", "-f", "{{index .Config.Labels \"net.azure-devices.edge.owner\"}}",
                                    kPrefix + "filter"}, 30s);
  EXPECT_EQ(inspect.output, "Microsoft.Azure.Devices.Edge.Agent\n");
  const auto caps = run_command({"docker", "inspect", "-f", "{{.HostConfig.Privileged}} {{.HostConfig.CapDrop}}", kPrefix + "filter"}, 30s);
  EXPECT_EQ(caps.output, "false [CHOWN SETUID]\n") << "IoT Edge 1.5's default: allow_elevated_docker_permissions is false";

  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(60s), 0) << daemon_->log();
  EXPECT_EQ(run_command({"docker", "inspect", "-f", "{{.State.Status}}", kPrefix + "agent"}, 30s).output, "exited\n")
      << "SIGTERM stops the agent container";
}

}  // namespace
