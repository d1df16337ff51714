// What the agent remembers across its own restarts, in <storage>/agent-state.json: the spec
// it last applied to each module (to tell an update from a module it already made) and each
// module's restart record. Registry passwords are never in it. Written atomically.
#pragma once
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "outpost/agent/manifest.h"
#include "outpost/core/result.h"
#include "restart_policy.h"

namespace outpost::agent {

nlohmann::json module_desired_json(const ModuleDesired& module);
Result<ModuleDesired> module_desired_from_json(const nlohmann::json& json);

struct StepFailure {
  unsigned attempts = 0;
  std::int64_t retry_at_unix = 0;
  std::string error;
};

class AgentState {
 public:
  // A missing file is an empty state; a damaged one is an error naming it.
  static Result<AgentState> load(std::string file);
  Status save() const;

  std::map<std::string, ModuleDesired> applied;     // by module name
  std::map<std::string, RestartRecord> restarts;    // by module name
  std::map<std::string, StepFailure> step_failures; // not saved: a restarted agent tries again at once
  std::int64_t deployment_version = 0;              // the $version last applied

 private:
  explicit AgentState(std::string file) : file_(std::move(file)) {}
  std::string file_;
};

}  // namespace outpost::agent
