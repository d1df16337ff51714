// One reconcile pass: read what runs from the management API, plan (planner.h), carry the
// commands out one by one, remember what was applied and restarted (agent_state.h). A
// command that fails is retried for that module alone, after 10 s × 2ⁿ up to 5 min, while
// the other modules go on being managed; a new deployment retries it at once. There is no
// dead end: the agent never stops retrying.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent_state.h"
#include "outpost/agent/manifest.h"
#include "outpost/management_client/management_client.h"
#include "planner.h"

namespace outpost::agent {

struct PassResult {
  bool listed = false;  // false: the management API could not be read; nothing was done
  std::string error;    // why, when not listed
  std::vector<management::ModuleInfo> modules;         // what runs after the pass
  std::map<std::string, std::string> reported_status;  // backoff / failed overrides
  std::map<std::string, std::string> failures;         // module → the step's error
  std::optional<std::int64_t> wake_at_unix;            // a cool-off or a retry ends then
  std::size_t commands_run = 0;
};

class Reconciler {
 public:
  Reconciler(const management::ManagementClient& management, std::string agent_name, RestartSettings restart_settings,
             AgentState& state);

  PassResult run_pass(const DeploymentManifest& manifest, std::int64_t now_unix);

  // The request sent for a module: its spec, with the credentials of the registry its
  // image names (registryCredentials matched by address).
  static management::ModuleRequest request_for(const ModuleDesired& module, const DeploymentManifest& manifest);

 private:
  Status execute(const PlannedCommand& command, const DeploymentManifest& manifest, std::int64_t now_unix);

  const management::ManagementClient& management_;
  std::string agent_name_;
  RestartSettings restart_settings_;
  AgentState& state_;
};

}  // namespace outpost::agent
