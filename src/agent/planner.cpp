#include "planner.h"

#include <algorithm>

#include "outpost/core/clock.h"

namespace outpost::agent {
namespace {

using Kind = PlannedCommand::Kind;

// Position within a startup-order group.
int phase_of(Kind kind) {
  switch (kind) {
    case Kind::remove: return 0;
    case Kind::create:
    case Kind::update: return 1;
    default: return 2;
  }
}

std::int64_t unix_of(const std::string& rfc3339) {
  if (rfc3339.empty()) return 0;
  const auto ms = parse_iso8601_ms(rfc3339);
  return ms ? *ms / 1000 : 0;
}

bool is_running(RuntimeState state) { return state == RuntimeState::running || state == RuntimeState::unhealthy; }

}  // namespace

std::string_view to_string(PlannedCommand::Kind kind) {
  switch (kind) {
    case Kind::remove: return "remove";
    case Kind::create: return "create";
    case Kind::update: return "update";
    case Kind::start: return "start";
    case Kind::stop: return "stop";
    case Kind::restart: return "restart";
  }
  return "unknown";
}

bool same_deployment(const ModuleDesired& desired, const RunningModule& running) {
  if (running.applied) {
    auto applied = *running.applied;
    applied.status = desired.status;  // a status change alone is a start or a stop, not an update
    return applied == desired;
  }
  auto env = running.info.env;
  std::sort(env.begin(), env.end());
  auto wanted_env = desired.env;
  std::sort(wanted_env.begin(), wanted_env.end());
  return running.info.image == desired.image && running.info.create_options == desired.create_options && env == wanted_env;
}

Plan plan_reconcile(const PlanInput& input) {
  Plan plan;
  const auto& desired = *input.desired;
  const auto& running = *input.running;
  const auto record_of = [&](const std::string& name) {
    const auto found = input.restarts->find(name);
    return found == input.restarts->end() ? RestartRecord{} : found->second;
  };
  const auto add = [&](Kind kind, const std::string& name, std::uint32_t order, std::optional<ModuleDesired> spec,
                       std::string why) { plan.commands.push_back({kind, name, order, std::move(spec), std::move(why), false}); };

  // Removed: what runs and the manifest no longer has. IoT Edge removes these first.
  for (const auto& [name, module] : running) {
    const bool wanted = std::any_of(desired.begin(), desired.end(), [&](const ModuleDesired& d) { return d.name == name; });
    if (!wanted) add(Kind::remove, name, 0, std::nullopt, "not in the deployment");
  }

  for (const auto& module : desired) {
    const auto found = running.find(module.name);
    const bool wants_running = module.status == DesiredStatus::running;
    if (found == running.end()) {
      add(Kind::create, module.name, module.startup_order, module, "new in the deployment");
      if (wants_running) add(Kind::start, module.name, module.startup_order, std::nullopt, "new in the deployment");
      continue;
    }
    const auto& current = found->second;
    if (!same_deployment(module, current)) {
      // PUT ?start=true starts it too when it is to run.
      add(Kind::update, module.name, module.startup_order, module, "changed in the deployment");
      continue;
    }
    const auto state = runtime_state_from(current.info.runtime_status);
    if (!wants_running) {
      if (is_running(state)) add(Kind::stop, module.name, module.startup_order, std::nullopt, "desired stopped");
      continue;
    }
    if (state == RuntimeState::running) continue;
    // Never started by this deployment (created stopped, or status just changed to running):
    // start it whatever its restart policy.
    const bool status_changed = current.applied && current.applied->status != module.status;
    if (status_changed || (current.info.start_time.empty() && current.info.exit_time.empty())) {
      add(Kind::start, module.name, module.startup_order, std::nullopt, "desired running");
      continue;
    }
    const auto record = record_of(module.name);
    const auto decision = decide_restart(module.restart_policy, state, record, unix_of(current.info.exit_time),
                                         input.now_unix, input.restart_settings);
    switch (decision.action) {
      case RestartDecision::Action::leave:
        break;
      case RestartDecision::Action::restart_now:
        add(state == RuntimeState::unhealthy ? Kind::restart : Kind::start, module.name, module.startup_order,
            std::nullopt, "restart policy " + std::string(to_string(module.restart_policy)));
        plan.commands.back().by_restart_policy = true;
        break;
      case RestartDecision::Action::restart_later:
        plan.reported_status[module.name] = "backoff";
        if (!plan.wake_at_unix || decision.at_unix < *plan.wake_at_unix) plan.wake_at_unix = decision.at_unix;
        break;
      case RestartDecision::Action::give_up:
        plan.reported_status[module.name] = "failed";
        break;
    }
  }

  std::stable_sort(plan.commands.begin(), plan.commands.end(), [](const PlannedCommand& a, const PlannedCommand& b) {
    if (a.startup_order != b.startup_order) return a.startup_order < b.startup_order;
    return phase_of(a.kind) < phase_of(b.kind);
  });
  return plan;
}

}  // namespace outpost::agent
