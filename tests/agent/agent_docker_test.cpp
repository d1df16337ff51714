// outpost-agent as a container under outpostd's Docker runtime, against a real dockerd (images
// built locally FROM scratch: busybox, and outpost-agent with the libraries it links): a
// deployment file runs module containers; a container whose HEALTHCHECK fails is restarted
// under on-unhealthy (IoT Edge's agent never restarts one: edged does not report unhealthy),
// while a healthy one is left alone.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "outpost/core/json.h"
#include "support/docker_images.h"
#include "support/mqtt_test_client.h"
#include "support/process.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using outpost::testing::Process;
using outpost::testing::read_file;
using outpost::testing::run_command;
using outpost::testing::wait_until;
using outpost::testing::write_file;

constexpr const char* kImage = "outpost-test/agent:latest";
const std::string kPrefix = "outpost-agent-test-" + std::to_string(::getpid()) + "-";

json busybox_module(const std::string& script, const std::string& restart_policy, const json& extra_options = json::object()) {
  json options{{"Cmd", {"/bin/sh", "-c", script}}};
  options.update(extra_options);
  return {{"version", "1.0"},
          {"type", "docker"},
          {"status", "running"},
          {"restartPolicy", restart_policy},
          {"imagePullPolicy", "never"},
          {"settings", {{"image", kImage}, {"createOptions", options.dump()}}}};
}

class AgentDocker : public ::testing::Test {
 protected:
  void SetUp() override {
    auto reason = outpost::testing::ensure_docker_engine();
    if (reason.empty()) reason = outpost::testing::build_test_image(kImage, {outpost::testing::built_binary("outpost-agent")});
    if (!reason.empty()) GTEST_SKIP() << "SKIPPED LOUDLY: " << reason;
    dir_ = outpost::testing::make_temp_dir("outpost-agent-docker");
    std::filesystem::create_directories(dir_ + "/agent");
  }
  void TearDown() override {
    daemon_.reset();
    if (dir_.empty()) return;
    for (const auto& name : {kPrefix + "agent", kPrefix + "sick", kPrefix + "steady"}) run_command({"docker", "rm", "-f", name}, 30s);
    run_command({"docker", "network", "rm", kPrefix + "net"}, 30s);
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }
  json reported() const {
    const auto parsed = outpost::parse_json(read_file(dir_ + "/agent/reported.json"));
    return parsed ? *parsed : json::object();
  }
  std::string logs() const {
    return daemon_->log() + "\n--- agent:\n" + run_command({"docker", "logs", kPrefix + "agent"}, 30s).output +
           "\n--- reported:\n" + reported().dump(2);
  }

  std::string dir_;
  std::unique_ptr<Process> daemon_;
};

TEST_F(AgentDocker, AnUnhealthyContainerIsRestartedUnderOnUnhealthy) {
  const json deployment{
      {"modulesContent",
       {{"$edgeAgent",
         {{"properties.desired",
           {{"schemaVersion", "1.1"},
            {"runtime", {{"type", "docker"}, {"settings", json::object()}}},
            {"systemModules", {{"edgeAgent", {{"type", "docker"}, {"settings", {{"image", "mcr.microsoft.com/azureiotedge-agent:1.5"}}}}}}},
            {"modules",
             {{kPrefix + "sick",
               busybox_module("trap 'exit 0' TERM; /bin/busybox sleep 600 & wait", "on-unhealthy",
                              {{"Healthcheck", {{"Test", {"CMD", "/bin/busybox", "false"}}, {"Interval", 200'000'000}, {"Retries", 1}}}})},
              {kPrefix + "steady",
               busybox_module("trap 'exit 0' TERM; /bin/busybox sleep 600 & wait", "on-unhealthy",
                              {{"Healthcheck", {{"Test", {"CMD", "/bin/busybox", "true"}}, {"Interval", 200'000'000}, {"Retries", 1}}}})}}}}}}}}}};
  write_file(dir_ + "/deployment.json", deployment.dump());
  // The agent container sees the deployment file and keeps its state at the same paths as the host.
  const json agent_options{{"Cmd", {outpost::testing::built_binary("outpost-agent")}},
                           {"HostConfig", {{"Binds", {dir_ + ":" + dir_}}}}};
  const json config{
      {"provisioning", {{"source", "local"}}},
      {"hostname", "edgegw"},
      {"homedir", dir_ + "/home"},
      {"connect", {{"management_uri", "unix://" + dir_ + "/run/mgmt.sock"}, {"workload_uri", "unix://" + dir_ + "/run/workload.sock"}}},
      {"runtime", "docker"},
      {"moby_runtime", {{"network", kPrefix + "net"}}},
      {"agent",
       {{"name", kPrefix + "agent"},
        {"env", {{"StorageFolder", dir_ + "/agent"}, {"CoolOffTimeUnitInSeconds", "1"}}},
        {"config", {{"image", "mcr.microsoft.com/azureiotedge-agent:1.5"}, {"createOptions", agent_options.dump()}}}}},
      {"images", {{"mcr.microsoft.com/azureiotedge-agent:*", kImage}}}};
  write_file(dir_ + "/config.yaml", config.dump(2));
  daemon_ = std::make_unique<Process>(
      std::vector<std::string>{outpost::testing::built_binary("outpostd"), "-c", dir_ + "/config.yaml", "--ready-file",
                               dir_ + "/ready.json"},
      dir_ + "/outpostd.log");
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir_ + "/ready.json"); }, 20s)) << daemon_->log();

  const auto status_of = [&](const std::string& name) {
    const auto r = reported();
    return r.contains("modules") && r["modules"].contains(name) ? r["modules"][name].value("runtimeStatus", "") : "";
  };
  ASSERT_TRUE(wait_until([&] { return status_of(kPrefix + "steady") == "running"; }, 60s)) << logs();
  ASSERT_TRUE(wait_until([&] { return reported()["modules"][kPrefix + "sick"].value("restartCount", 0) >= 2; }, 60s))
      << "the unhealthy container is restarted, again and again\n" << logs();
  EXPECT_EQ(reported()["modules"][kPrefix + "steady"].value("restartCount", 0), 0) << "the healthy one is left alone";

  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(90s), 0) << logs();
  EXPECT_EQ(run_command({"docker", "inspect", "-f", "{{.State.Status}}", kPrefix + "steady"}, 30s).output, "exited\n")
      << "the agent stopped its modules on its way out\n" << logs();

  // A reboot: the same containers start again — their workload sockets (bind mounts) are
  // there again before the agent starts them (a missing one made the start fail).
  daemon_ = std::make_unique<Process>(
      std::vector<std::string>{outpost::testing::built_binary("outpostd"), "-c", dir_ + "/config.yaml", "--ready-file",
                               dir_ + "/ready2.json"},
      dir_ + "/outpostd2.log");
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir_ + "/ready2.json"); }, 20s)) << daemon_->log();
  EXPECT_TRUE(wait_until([&] {
    return run_command({"docker", "inspect", "-f", "{{.State.Status}}", kPrefix + "steady"}, 30s).output == "running\n";
  }, 60s)) << "the module did not start again after the reboot\n" << logs();
  EXPECT_TRUE(std::filesystem::is_socket(dir_ + "/home/mnt/" + kPrefix + "steady.sock"));
}

}  // namespace
