// What to do to make the device run the manifest (daemon-agent-manifest.md §4, "Diff" and
// "Planner"), as a pure function: the desired modules, what runs (joined with what the agent
// last asked for), the restart records and the time in; ordered commands out. Commands run
// in ascending startupOrder; within a group: removals, then creations and updates, then
// starts, stops and restarts. The agent itself is never in the plan.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "outpost/agent/manifest.h"
#include "outpost/management_client/management_client.h"
#include "restart_policy.h"

namespace outpost::agent {

// A module the runtime has, and what the agent last applied to it (none: not known to this
// agent's state, e.g. after its state was lost; then what the runtime kept of the request —
// image, createOptions, env — is compared instead).
struct RunningModule {
  management::ModuleInfo info;
  std::optional<ModuleDesired> applied;
};

struct PlannedCommand {
  enum class Kind { remove, create, update, start, stop, restart };
  Kind kind = Kind::create;
  std::string module;
  std::uint32_t startup_order = 0;
  std::optional<ModuleDesired> spec;  // create and update
  std::string why;                    // for the log
  bool by_restart_policy = false;     // a restart the policy asked for: counted in the record
};
std::string_view to_string(PlannedCommand::Kind kind);

struct Plan {
  std::vector<PlannedCommand> commands;
  // Modules waiting out a restart cool-off ("backoff") or given up on ("failed"): what to
  // report instead of the runtime's status.
  std::map<std::string, std::string> reported_status;
  std::optional<std::int64_t> wake_at_unix;  // the next cool-off that ends: plan again then
};

struct PlanInput {
  const std::vector<ModuleDesired>* desired = nullptr;  // edgeHub and the modules
  const std::map<std::string, RunningModule>* running = nullptr;  // by name, the agent excluded
  const std::map<std::string, RestartRecord>* restarts = nullptr;
  std::int64_t now_unix = 0;
  RestartSettings restart_settings;
};

Plan plan_reconcile(const PlanInput& input);

// Whether what runs is what `desired` asks for (status aside).
bool same_deployment(const ModuleDesired& desired, const RunningModule& running);

}  // namespace outpost::agent
