// The reconcile plan: what is added, removed, updated, started and stopped, in startupOrder,
// and what the restart policy does with modules that are not running.
#include "planner.h"

#include <gtest/gtest.h>

namespace outpost::agent {
namespace {

using Kind = PlannedCommand::Kind;

ModuleDesired module(const std::string& name, std::uint32_t order = kDefaultStartupOrder) {
  ModuleDesired m;
  m.name = name;
  m.image = "contoso/" + name + ":1.0";
  m.version = "1.0";
  m.startup_order = order;
  m.restart_policy = RestartPolicy::always;
  return m;
}

RunningModule running(const ModuleDesired& applied, const std::string& status = "running",
                      const std::string& exit_time = "") {
  RunningModule r;
  r.info.name = applied.name;
  r.info.image = applied.image;
  r.info.create_options = applied.create_options;
  r.info.env = applied.env;
  r.info.runtime_status = status;
  r.info.start_time = "2026-12-04T10:00:00Z";
  r.info.exit_time = exit_time;
  r.applied = applied;
  return r;
}

struct Fixture {
  std::vector<ModuleDesired> desired;
  std::map<std::string, RunningModule> current;
  std::map<std::string, RestartRecord> restarts;
  std::int64_t now = 1796378400;  // 2026-12-04T10:00:00Z
  Plan plan() const { return plan_reconcile({&desired, &current, &restarts, now, RestartSettings{}}); }
};

std::vector<std::string> steps(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& c : plan.commands) out.push_back(std::string(to_string(c.kind)) + " " + c.module);
  return out;
}

TEST(Planner, NewModulesAreCreatedAndStartedInStartupOrder) {
  Fixture f;
  f.desired = {module("sensor", 2), module("edgeHub", 0), module("filter", 1)};
  EXPECT_EQ(steps(f.plan()), (std::vector<std::string>{"create edgeHub", "start edgeHub", "create filter", "start filter",
                                                       "create sensor", "start sensor"}));
}

TEST(Planner, WhatRunsAsDesiredIsLeftAlone) {
  Fixture f;
  f.desired = {module("sensor")};
  f.current = {{"sensor", running(module("sensor"))}};
  EXPECT_TRUE(f.plan().commands.empty());
}

TEST(Planner, RemovedModulesGoFirstAndChangedOnesAreUpdated) {
  Fixture f;
  auto changed = module("sensor", 1);
  changed.env = {{"RATE", "5"}};
  f.desired = {changed};
  f.current = {{"sensor", running(module("sensor", 1))}, {"old", running(module("old", 7))}};
  EXPECT_EQ(steps(f.plan()), (std::vector<std::string>{"remove old", "update sensor"}));
}

TEST(Planner, AVersionChangeAloneIsAnUpdate) {
  Fixture f;
  auto bumped = module("sensor");
  bumped.version = "1.1";
  f.desired = {bumped};
  f.current = {{"sensor", running(module("sensor"))}};
  EXPECT_EQ(steps(f.plan()), (std::vector<std::string>{"update sensor"}));
}

TEST(Planner, WithoutItsStateTheAgentAdoptsWhatMatchesTheRuntimesRecord) {
  Fixture f;
  f.desired = {module("sensor")};
  auto r = running(module("sensor"));
  r.applied.reset();
  f.current = {{"sensor", r}};
  EXPECT_TRUE(f.plan().commands.empty()) << "same image, createOptions and env: adopted";
  f.desired[0].image = "contoso/sensor:2.0";
  EXPECT_EQ(steps(f.plan()), (std::vector<std::string>{"update sensor"}));
}

TEST(Planner, StatusChangesStartAndStop) {
  Fixture f;
  auto stopped = module("sensor");
  stopped.status = DesiredStatus::stopped;
  f.desired = {stopped};
  f.current = {{"sensor", running(module("sensor"))}};
  EXPECT_EQ(steps(f.plan()), (std::vector<std::string>{"stop sensor"}));
  f.desired = {module("sensor")};
  f.current = {{"sensor", running(stopped, "stopped", "2026-12-04T10:01:00Z")}};
  EXPECT_EQ(steps(f.plan()), (std::vector<std::string>{"start sensor"}));
}

TEST(Planner, AFailedModuleWaitsOutItsCoolOffReportedAsBackoff) {
  Fixture f;
  f.desired = {module("crasher")};
  f.current = {{"crasher", running(module("crasher"), "failed", "2026-12-04T09:59:55Z")}};
  f.restarts = {{"crasher", {2, f.now - 100}}};
  const auto plan = f.plan();
  EXPECT_TRUE(plan.commands.empty());
  EXPECT_EQ(plan.reported_status.at("crasher"), "backoff");
  ASSERT_TRUE(plan.wake_at_unix);
  EXPECT_EQ(*plan.wake_at_unix, f.now - 5 + 40) << "exit + 40 s after two restarts";
  f.now += 40;
  const auto due = f.plan();
  EXPECT_EQ(steps(due), (std::vector<std::string>{"start crasher"}));
  EXPECT_TRUE(due.commands[0].by_restart_policy) << "counted in the restart record";
}

TEST(Planner, AnUnhealthyContainerIsRestartedUnderOnUnhealthy) {
  Fixture f;
  auto m = module("web");
  m.restart_policy = RestartPolicy::on_unhealthy;
  f.desired = {m};
  f.current = {{"web", running(m, "unhealthy")}};
  EXPECT_EQ(steps(f.plan()), (std::vector<std::string>{"restart web"}));
  f.desired[0].restart_policy = RestartPolicy::on_failure;
  f.current["web"].applied->restart_policy = RestartPolicy::on_failure;
  EXPECT_TRUE(f.plan().commands.empty()) << "on-failure leaves an unhealthy module running";
}

TEST(Planner, NeverMeansNeverRestarted) {
  Fixture f;
  auto m = module("once");
  m.restart_policy = RestartPolicy::never;
  f.desired = {m};
  f.current = {{"once", running(m, "failed", "2026-12-04T09:00:00Z")}};
  EXPECT_TRUE(f.plan().commands.empty());
}

}  // namespace
}  // namespace outpost::agent
