// The agent's watchdog against a scripted runtime: first start at once, restarts with a
// growing delay, a changed configuration recreates the agent, max_retries gives up.
#include "agent_watchdog.h"

#include <gtest/gtest.h>

#include <map>

namespace outpost::daemon {
namespace {

using namespace std::chrono_literals;
using runtime::ModuleState;

// A runtime whose module states the test sets; it records what the watchdog asked.
class ScriptedRuntime : public runtime::ModuleRuntime {
 public:
  const char* kind() const override { return "scripted"; }
  Status create(const runtime::ModuleSpec& spec) override {
    calls.push_back("create");
    specs[spec.name] = spec;
    states[spec.name] = ModuleState::stopped;
    return {};
  }
  Status start(const std::string& name) override {
    calls.push_back("start");
    if (fail_starts) return make_error("exec failed");
    states[name] = ModuleState::running;
    return {};
  }
  Status prepare(const runtime::ModuleSpec&) override { return {}; }
  Status stop(const std::string& name, std::chrono::seconds) override {
    calls.push_back("stop");
    states[name] = ModuleState::stopped;
    return {};
  }
  Status signal_stop(const std::string& name) override {
    calls.push_back("signal_stop");
    states[name] = ModuleState::stopped;  // this agent stops at once
    return {};
  }
  Status remove(const std::string& name) override {
    calls.push_back("remove");
    specs.erase(name);
    states.erase(name);
    return {};
  }
  Result<runtime::ModuleStatus> status(const std::string& name) override {
    if (!states.count(name)) return make_error(ErrorKind::not_found, "no");
    runtime::ModuleStatus s;
    s.name = name;
    s.state = states[name];
    return s;
  }
  Result<std::vector<runtime::ModuleStatus>> list() override { return std::vector<runtime::ModuleStatus>{}; }
  Result<runtime::ModuleSpec> spec(const std::string& name) override {
    if (!specs.count(name)) return make_error(ErrorKind::not_found, "no");
    return specs[name];
  }
  bool owns_process(const std::string&, std::int64_t) override { return false; }
  Result<std::string> logs(const std::string&, const runtime::LogOptions&) override { return std::string(); }

  std::map<std::string, runtime::ModuleSpec> specs;
  std::map<std::string, ModuleState> states;
  std::vector<std::string> calls;
  bool fail_starts = false;
};

runtime::ModuleSpec agent_spec(const std::string& image = "process:///usr/bin/outpost-agent") {
  runtime::ModuleSpec spec;
  spec.name = "edgeAgent";
  spec.image = image;
  spec.env = {{"IOTEDGE_MODULEID", "$edgeAgent"}};
  return spec;
}

TEST(AgentWatchdog, StartsTheAgentAtOnceAndRestartsItWithAGrowingDelay) {
  ScriptedRuntime runtime;
  AgentWatchdog watchdog(runtime, agent_spec(), std::nullopt);
  const auto t0 = AgentWatchdog::Clock::time_point{} + 1h;
  EXPECT_TRUE(watchdog.check(t0));
  EXPECT_EQ(runtime.calls, (std::vector<std::string>{"create", "start"}));

  runtime.states["edgeAgent"] = ModuleState::failed;  // it crashed
  runtime.calls.clear();
  EXPECT_TRUE(watchdog.check(t0 + 500ms));
  EXPECT_TRUE(runtime.calls.empty()) << "not before its delay (1 s after the first start)";
  EXPECT_TRUE(watchdog.check(t0 + 1s));
  EXPECT_EQ(runtime.calls, (std::vector<std::string>{"start"})) << "the same spec: started again, not recreated";
  runtime.states["edgeAgent"] = ModuleState::failed;
  runtime.calls.clear();
  EXPECT_TRUE(watchdog.check(t0 + 2s));
  EXPECT_TRUE(runtime.calls.empty()) << "the second restart waits 2 s";
  EXPECT_TRUE(watchdog.check(t0 + 3s));
  EXPECT_EQ(runtime.calls, (std::vector<std::string>{"start"}));
  EXPECT_EQ(watchdog.failures(), 3);
  EXPECT_TRUE(watchdog.check(t0 + 3s + 61s));
  EXPECT_EQ(watchdog.failures(), 0) << "a minute up clears the count";
}

TEST(AgentWatchdog, AChangedConfigurationRecreatesTheAgent) {
  ScriptedRuntime runtime;
  runtime.specs["edgeAgent"] = agent_spec("process:///opt/old-agent");
  runtime.states["edgeAgent"] = ModuleState::running;  // adopted from an earlier daemon
  AgentWatchdog watchdog(runtime, agent_spec(), std::nullopt);
  EXPECT_TRUE(watchdog.check(AgentWatchdog::Clock::now()));
  EXPECT_EQ(runtime.calls, (std::vector<std::string>{"remove", "create", "start"}));
  EXPECT_EQ(runtime.specs["edgeAgent"].image, "process:///usr/bin/outpost-agent");
}

TEST(AgentWatchdog, AnAdoptedAgentWithTheSameConfigurationIsLeftRunning) {
  ScriptedRuntime runtime;
  runtime.specs["edgeAgent"] = agent_spec();
  runtime.states["edgeAgent"] = ModuleState::running;
  AgentWatchdog watchdog(runtime, agent_spec(), std::nullopt);
  EXPECT_TRUE(watchdog.check(AgentWatchdog::Clock::now()));
  EXPECT_TRUE(runtime.calls.empty()) << "left running: never started twice";
}

TEST(AgentWatchdog, GivesUpAfterMaxRetriesFailedStartsInARow) {
  ScriptedRuntime runtime;
  runtime.fail_starts = true;
  AgentWatchdog watchdog(runtime, agent_spec(), 2);
  auto now = AgentWatchdog::Clock::time_point{} + 1h;
  int checks = 0;
  while (watchdog.check(now) && checks < 100) {
    now += 61s;
    ++checks;
  }
  EXPECT_EQ(watchdog.failures(), 3) << "the first start and two retries";
  EXPECT_FALSE(watchdog.check(now)) << "it stays given up";
}

}  // namespace
}  // namespace outpost::daemon
