// outpost-agent as outpostd runs it on a device without a cloud (provisioning: local): the
// deployment file beside config.yaml is applied through the management API on the process
// runtime — modules created, started, kept running by their restart policy with IoT Edge's
// backoff (cool-off unit 1 s here), an invalid deployment refused with its code while what
// runs stays, a new deployment removing and updating modules — and a stopping daemon stops
// the agent, which stops its modules.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "outpost/core/json.h"
#include "support/mqtt_test_client.h"
#include "fixture_manifests.h"
#include "support/process.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using outpost::testing::Process;
using outpost::testing::read_file;
using outpost::testing::wait_until;
using outpost::testing::write_file;

// A module that is a shell command under the process runtime (its image maps to /bin/sh).
json shell_module(const std::string& command, const std::string& restart_policy = "always", int order = 1,
                  const std::string& status = "running") {
  return {{"version", "1.0"},
          {"type", "docker"},
          {"status", status},
          {"restartPolicy", restart_policy},
          {"startupOrder", order},
          {"settings", {{"image", "test/shell:1.0"}, {"createOptions", json{{"Cmd", {"-c", command}}}.dump()}}}};
}

json deployment(const json& modules) {
  return {{"modulesContent",
           {{"$edgeAgent",
             {{"properties.desired",
               {{"schemaVersion", "1.1"},
                {"runtime", {{"type", "docker"}, {"settings", {{"minDockerVersion", "v1.25"}}}}},
                {"systemModules",
                 {{"edgeAgent", {{"type", "docker"}, {"settings", {{"image", "mcr.microsoft.com/azureiotedge-agent:1.5"}}}}},
                  {"edgeHub", {{"type", "docker"}, {"status", "running"}, {"restartPolicy", "always"}, {"startupOrder", 0},
                               {"settings", {{"image", "test/shell:1.0"},
                                             {"createOptions", json{{"Cmd", {"-c", "exec sleep 600"}}}.dump()}}}}}}},
                {"modules", modules}}}}},
            {"$edgeHub", {{"properties.desired", {{"schemaVersion", "1.1"}, {"routes", json::object()}}}}}}}};
}

class AgentProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!outpost::testing::have_program("curl")) GTEST_SKIP() << "curl is not installed (scripts/install-deps installs it)";
    dir_ = outpost::testing::make_temp_dir("outpost-agent-proc");
    write_file(dir_ + "/config.yaml",
               "provisioning: { source: local, device_id: edge1, iothub_hostname: hub.local }\nhostname: edgegw\n"
               "homedir: " + dir_ + "/home\n"
               "connect: { management_uri: \"unix://" + dir_ + "/run/mgmt.sock\", workload_uri: \"unix://" + dir_ +
                   "/run/workload.sock\" }\n"
               "runtime: process\nlog_level: debug\n"
               "agent: { name: edgeAgent, type: docker, env: { CoolOffTimeUnitInSeconds: \"1\" }, "
               "config: { image: \"mcr.microsoft.com/azureiotedge-agent:1.5\" } }\n"
               "images: { \"mcr.microsoft.com/azureiotedge-agent:*\": \"process://" +
                   outpost::testing::built_binary("outpost-agent") + "\", \"test/shell:*\": \"process:///bin/sh\" }\n");
  }
  void TearDown() override {
    daemon_.reset();
    if (!dir_.empty()) outpost::testing::kill_module_processes(dir_ + "/home");  // they outlive a killed daemon
    if (!HasFailure() && !dir_.empty()) std::filesystem::remove_all(dir_);
  }
  void start_daemon() {
    daemon_ = std::make_unique<Process>(
        std::vector<std::string>{outpost::testing::built_binary("outpostd"), "-c", dir_ + "/config.yaml", "--ready-file",
                                 dir_ + "/ready.json"},
        dir_ + "/outpostd.log");
    ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir_ + "/ready.json"); }, 10s)) << daemon_->log();
  }
  json reported() const {
    const auto parsed = outpost::parse_json(read_file(dir_ + "/home/modules/edgeAgent/work/reported.json"));
    return parsed ? *parsed : json::object();
  }
  std::string module_status(const std::string& name) const {
    const auto r = reported();
    for (const auto* group : {"modules", "systemModules"})
      if (r.contains(group) && r[group].contains(name)) return r[group][name].value("runtimeStatus", "");
    return "";
  }
  std::int64_t pid_of(const std::string& module) const {
    const auto state = outpost::parse_json(read_file(dir_ + "/home/modules/" + module + "/module.json"));
    return state ? outpost::integer_field(*state, "pid", 0) : 0;
  }
  std::string modules_listed() const {
    return outpost::testing::run_command({"curl", "-s", "--unix-socket", dir_ + "/run/mgmt.sock",
                                          "http://localhost/modules?api-version=2020-07-07"},
                                         10s)
        .output;
  }
  std::string logs() const { return daemon_->log() + "\n--- reported:\n" + reported().dump(2); }

  std::string dir_;
  std::unique_ptr<Process> daemon_;
};

TEST_F(AgentProcess, RunsTheLocalDeploymentKeepsItRunningAndFollowsChanges) {
  write_file(dir_ + "/deployment.json",
             deployment({{"sleeper", shell_module("echo up; exec sleep 600", "always", 1)},
                         {"crasher", shell_module("exit 3", "always", 2)},
                         {"parked", shell_module("exec sleep 600", "always", 3, "stopped")}})
                 .dump());
  start_daemon();
  ASSERT_TRUE(wait_until([&] { return module_status("sleeper") == "running" && module_status("edgeHub") == "running"; }, 20s))
      << logs();
  EXPECT_EQ(reported()["lastDesiredStatus"]["code"], 200) << logs();
  // The crasher comes back after 1 s, 2 s, 4 s ... and is never given up on.
  ASSERT_TRUE(wait_until([&] { return reported()["modules"]["crasher"].value("restartCount", 0) >= 2; }, 30s)) << logs();
  EXPECT_TRUE(wait_until([&] { return module_status("crasher") == "backoff"; }, 10s)) << logs();
  EXPECT_EQ(reported()["modules"]["crasher"].value("exitCode", 0), 3);
  EXPECT_EQ(module_status("parked"), "stopped") << "created, not started: its desired status is stopped";
  const auto sleeper_pid = pid_of("sleeper");
  ASSERT_GT(sleeper_pid, 0);

  // An invalid deployment is refused with its code; what runs is left alone.
  auto invalid = deployment({{"sleeper", shell_module("exec sleep 600", "on-failured")}});
  write_file(dir_ + "/deployment.json", invalid.dump());
  ASSERT_TRUE(wait_until([&] { return reported()["lastDesiredStatus"].value("code", 0) == 400; }, 10s)) << logs();
  EXPECT_NE(reported()["lastDesiredStatus"].value("description", "").find("restartPolicy"), std::string::npos) << logs();
  EXPECT_EQ(pid_of("sleeper"), sleeper_pid) << "the refused deployment touched nothing";

  // A new deployment through the CLI (validated first; an invalid one never reaches the
  // agent): crasher and parked go, sleeper changes (an update: a new process).
  write_file(dir_ + "/invalid.json", invalid.dump());
  const auto refused = outpost::testing::run_command(
      {outpost::testing::built_binary("outpost"), "deployment", "apply", dir_ + "/invalid.json", "--config", dir_ + "/config.yaml"}, 10s);
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_NE(refused.output.find("refused (400)"), std::string::npos) << refused.output;
  auto next = deployment({{"sleeper", shell_module("echo v2; exec sleep 600", "always", 1)}});
  write_file(dir_ + "/next.json", next.dump());
  const auto applied = outpost::testing::run_command(
      {outpost::testing::built_binary("outpost"), "deployment", "apply", dir_ + "/next.json", "--config", dir_ + "/config.yaml"}, 10s);
  ASSERT_EQ(applied.status, 0) << applied.output;
  ASSERT_TRUE(wait_until([&] { return modules_listed().find("crasher") == std::string::npos; }, 20s)) << logs();
  EXPECT_EQ(modules_listed().find("parked"), std::string::npos);
  ASSERT_TRUE(wait_until([&] { return pid_of("sleeper") > 0 && pid_of("sleeper") != sleeper_pid; }, 20s)) << logs();
  EXPECT_TRUE(wait_until([&] { return module_status("sleeper") == "running"; }, 10s)) << logs();
  EXPECT_TRUE(wait_until([&] { return reported()["lastDesiredStatus"]["code"] == 200; }, 10s)) << logs();
  EXPECT_EQ(reported()["lastDesiredVersion"], 1) << "the CLI numbers the deployments it hands over";
  const auto listed = outpost::testing::run_command(
      {outpost::testing::built_binary("outpost"), "list", "--config", dir_ + "/config.yaml"}, 10s);
  EXPECT_EQ(listed.status, 0) << listed.output;
  EXPECT_NE(listed.output.find("NAME"), std::string::npos) << listed.output;
  EXPECT_TRUE(listed.output.find("sleeper") != std::string::npos && listed.output.find("running") != std::string::npos &&
              listed.output.find("Up ") != std::string::npos)
      << listed.output;

  // Stopping the daemon stops the agent, which stops its modules first.
  const auto running_pid = pid_of("sleeper");
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(40s), 0) << logs();
  EXPECT_NE(::kill(static_cast<pid_t>(running_pid), 0), 0) << "the agent stopped sleeper on its way out\n" << logs();
}

// The device-side CLI over the management API, under both its names: `logs` (tail, an
// unknown module, -f following new lines), `restart` (a new process), and the API's address
// from -H or IOTEDGE_HOST instead of config.yaml.
TEST_F(AgentProcess, TheCliShowsLogsFollowsThemAndRestartsAModule) {
  write_file(dir_ + "/deployment.json",
             deployment({{"talker", shell_module("echo to stderr >&2; i=0; while true; do echo line $i; i=$((i+1)); sleep 0.1; done")}})
                 .dump());
  start_daemon();
  ASSERT_TRUE(wait_until([&] { return module_status("talker") == "running"; }, 20s)) << logs();
  const auto cli = [&](std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), outpost::testing::built_binary("iotedge"));
    return outpost::testing::run_command(args, 10s, env);
  };
  const auto config = dir_ + "/config.yaml";
  ASSERT_TRUE(wait_until([&] { return cli({"logs", "talker", "--config", config}).output.find("line 3") != std::string::npos; }, 10s));
  const auto tail = cli({"logs", "talker", "--tail", "2", "--config", config});
  EXPECT_EQ(tail.status, 0) << tail.output;
  std::size_t lines = 0;
  for (const char c : tail.output) lines += c == '\n';
  EXPECT_EQ(lines, 2u) << tail.output;
  EXPECT_NE(cli({"logs", "talker", "--config", config}).output.find("to stderr"), std::string::npos);

  const auto unknown = cli({"logs", "nosuch", "--config", config});
  EXPECT_EQ(unknown.status, 1) << unknown.output;
  EXPECT_NE(unknown.output.find("nosuch"), std::string::npos) << unknown.output;

  // -f: lines written after the command started arrive while it runs.
  const auto before = cli({"logs", "talker", "--tail", "1", "--config", config}).output;
  Process follow({outpost::testing::built_binary("outpost"), "logs", "talker", "-f", "--tail", "0", "-H",
                  "unix://" + dir_ + "/run/mgmt.sock", "--config", dir_ + "/nothing.yaml"},
                 dir_ + "/follow.log");
  EXPECT_TRUE(wait_until([&] {
    const auto text = follow.log();
    return text.find("line ") != std::string::npos && text.find(before) == std::string::npos;
  }, 10s)) << "following printed nothing new: " << follow.log();
  follow.signal(SIGTERM);

  const auto pid = pid_of("talker");
  const auto restarted = cli({"restart", "talker"}, {{"IOTEDGE_HOST", "unix://" + dir_ + "/run/mgmt.sock"}});
  EXPECT_EQ(restarted.status, 0) << restarted.output;
  EXPECT_EQ(restarted.output, "talker\n");
  EXPECT_TRUE(wait_until([&] { return pid_of("talker") > 0 && pid_of("talker") != pid; }, 10s)) << "not restarted";
  EXPECT_EQ(cli({"restart", "nosuch", "--config", config}).status, 1);

  // iotedge check: passes with the daemon up; names the broken file; fails with the daemon down.
  const auto checked = cli({"check", "--config", config});
  EXPECT_EQ(checked.status, 0) << checked.output;
  EXPECT_NE(checked.output.find("\u221a outpostd answers on its management URI - OK"), std::string::npos) << checked.output;
  write_file(dir_ + "/broken.yaml", "provisioning: { source: nowhere }\nhostname: edgegw\n");
  const auto broken = cli({"check", "--config", dir_ + "/broken.yaml", "-H", "unix://" + dir_ + "/run/mgmt.sock"});
  EXPECT_EQ(broken.status, 1) << broken.output;
  EXPECT_NE(broken.output.find("\u00d7 config.yaml is well-formed - Error"), std::string::npos) << broken.output;
  EXPECT_NE(broken.output.find("source"), std::string::npos) << "outpostd's own words name the key\n" << broken.output;
  // support-bundle: the daemon's zip with the checks added.
  const auto bundled = cli({"support-bundle", "--config", config, "--output", dir_ + "/bundle.zip", "--since", "1h"});
  EXPECT_EQ(bundled.status, 0) << bundled.output;
  const auto zip = read_file(dir_ + "/bundle.zip");
  EXPECT_EQ(zip.substr(0, 2), "PK") << bundled.output;
  for (const auto* entry : {"check.json", "modules.json", "logs/talker.log"})
    EXPECT_NE(zip.find(entry), std::string::npos) << entry << " is not in the bundle";

  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(40s), 0) << logs();
  const auto down = cli({"check", "--config", config});
  EXPECT_EQ(down.status, 1) << down.output;
  EXPECT_NE(down.output.find("\u00d7 outpostd answers on its management URI - Error"), std::string::npos) << down.output;
}

// Every real manifest of tests/fixtures (../shared/fixtures, copied) deploys unchanged on the
// process runtime: the only
// rewriting is the daemon's images table (every image: /bin/sh here). Each is handed over with
// the CLI; the agent accepts it (200) and the runtime then has exactly its modules.
TEST_F(AgentProcess, EveryFixtureManifestDeploysUnchanged) {
  write_file(dir_ + "/config.yaml",
             "provisioning: { source: local, device_id: edge1, iothub_hostname: hub.local }\nhostname: edgegw\n"
             "homedir: " + dir_ + "/home\n"
             "connect: { management_uri: \"unix://" + dir_ + "/run/mgmt.sock\", workload_uri: \"unix://" + dir_ +
                 "/run/workload.sock\" }\n"
             "runtime: process\n"
             "images: { \"mcr.microsoft.com/azureiotedge-agent:*\": \"process://" +
                 outpost::testing::built_binary("outpost-agent") + "\", \"*\": \"process:///bin/sh\" }\n");
  start_daemon();
  int applied = 0;
  for (const auto& [file, expected] : outpost::testing::fixture_manifests(OUTPOST_FIXTURES_DIR "/manifests")) {
    const auto result = outpost::testing::run_command(
        {outpost::testing::built_binary("outpost"), "deployment", "apply", file, "--config", dir_ + "/config.yaml"}, 10s);
    ASSERT_EQ(result.status, 0) << file << ": " << result.output;
    ++applied;
    std::set<std::string> listed;
    const bool matched = wait_until([&] {
      const auto r = reported();
      if (r.value("lastDesiredVersion", 0) != applied || r["lastDesiredStatus"].value("code", 0) != 200) return false;
      listed.clear();
      const auto modules = outpost::parse_json(modules_listed());
      if (!modules) return false;
      for (const auto& m : (*modules)["modules"]) listed.insert(m.value("name", ""));
      return listed == expected;
    }, 20s);
    EXPECT_TRUE(matched) << file << ": the runtime has " << testing::PrintToString(listed) << ", the manifest "
                         << testing::PrintToString(expected) << "\n" << reported()["lastDesiredStatus"].dump();
  }
  EXPECT_GE(applied, 20) << "the fixtures are there";
}

}  // namespace
