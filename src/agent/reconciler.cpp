#include "reconciler.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "outpost/core/clock.h"

namespace outpost::agent {
namespace {

using Kind = PlannedCommand::Kind;

constexpr std::int64_t kFirstStepRetrySecs = 10;
constexpr std::int64_t kMaxStepRetrySecs = 300;

std::int64_t step_retry_delay(unsigned attempts) {
  std::int64_t delay = kFirstStepRetrySecs;
  for (unsigned i = 1; i < attempts && delay < kMaxStepRetrySecs; ++i) delay *= 2;
  return std::min(delay, kMaxStepRetrySecs);
}

// The registry an image names: "host[:port]/…" when the first part looks like a host.
std::string registry_of(const std::string& image) {
  const auto slash = image.find('/');
  if (slash == std::string::npos) return "docker.io";
  const auto first = image.substr(0, slash);
  if (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost") return first;
  return "docker.io";
}

}  // namespace

Reconciler::Reconciler(const management::ManagementClient& management, std::string agent_name,
                       RestartSettings restart_settings, AgentState& state)
    : management_(management), agent_name_(std::move(agent_name)), restart_settings_(restart_settings), state_(state) {}

management::ModuleRequest Reconciler::request_for(const ModuleDesired& module, const DeploymentManifest& manifest) {
  management::ModuleRequest request;
  request.name = module.name;
  request.image = module.image;
  request.create_options = module.create_options;
  request.env = module.env;
  request.image_pull_policy = std::string(to_string(module.image_pull_policy));
  const auto registry = registry_of(module.image);
  for (const auto& credential : manifest.registry_credentials)
    if (credential.address == registry)
      request.auth = {{"username", credential.username}, {"password", credential.password}, {"serveraddress", credential.address}};
  return request;
}

Status Reconciler::execute(const PlannedCommand& command, const DeploymentManifest& manifest, std::int64_t now_unix) {
  switch (command.kind) {
    case Kind::remove: {
      auto removed = management_.remove_module(command.module);
      if (!removed && removed.error_kind() != ErrorKind::not_found) return removed;
      // Its identity goes with it (the daemon keeps the system modules' own).
      auto identity = management_.delete_identity(command.module);
      if (!identity && identity.error_kind() != ErrorKind::not_found)
        spdlog::warn("agent: module '{}' removed, its identity not: {}", command.module, identity.error());
      state_.applied.erase(command.module);
      state_.restarts.erase(command.module);
      return {};
    }
    case Kind::create: {
      auto created = management_.create_module(request_for(*command.spec, manifest));
      if (!created) return created;
      state_.applied[command.module] = *command.spec;
      state_.restarts.erase(command.module);
      return {};
    }
    case Kind::update: {
      const bool start = command.spec->status == DesiredStatus::running;
      auto updated = management_.update_module(request_for(*command.spec, manifest), start);
      if (!updated) return updated;
      state_.applied[command.module] = *command.spec;
      state_.restarts.erase(command.module);
      return {};
    }
    case Kind::start:
    case Kind::restart: {
      auto done = command.kind == Kind::start ? management_.start_module(command.module)
                                              : management_.restart_module(command.module);
      if (!done) return done;
      if (command.by_restart_policy) {
        auto& record = state_.restarts[command.module];
        ++record.count;
        record.last_restart_unix = now_unix;
      }
      if (auto applied = state_.applied.find(command.module); applied != state_.applied.end())
        applied->second.status = DesiredStatus::running;
      return {};
    }
    case Kind::stop: {
      auto stopped = management_.stop_module(command.module);
      if (!stopped) return stopped;
      if (auto applied = state_.applied.find(command.module); applied != state_.applied.end())
        applied->second.status = DesiredStatus::stopped;
      return {};
    }
  }
  return {};
}

PassResult Reconciler::run_pass(const DeploymentManifest& manifest, std::int64_t now_unix) {
  PassResult result;
  auto listed = management_.list_modules();
  if (!listed) {
    result.error = listed.error();
    return result;
  }
  result.listed = true;
  std::map<std::string, RunningModule> running;
  for (auto& info : *listed) {
    if (info.name == agent_name_) continue;
    auto name = info.name;
    RunningModule module{std::move(info), std::nullopt};
    if (auto applied = state_.applied.find(name); applied != state_.applied.end()) module.applied = applied->second;
    running.emplace(std::move(name), std::move(module));
  }
  // A module running steadily has its restarts forgiven.
  std::size_t forgiven = 0;
  for (auto it = state_.restarts.begin(); it != state_.restarts.end();) {
    const auto found = running.find(it->first);
    const bool expires = found != running.end() &&
                         record_expires(it->second, runtime_state_from(found->second.info.runtime_status),
                                        parse_iso8601_ms(found->second.info.start_time).value_or(0) / 1000, now_unix,
                                        restart_settings_);
    forgiven += expires ? 1 : 0;
    it = expires ? state_.restarts.erase(it) : std::next(it);
  }

  std::vector<ModuleDesired> desired = manifest.modules;
  if (manifest.edge_hub) desired.push_back(*manifest.edge_hub);
  const PlanInput input{&desired, &running, &state_.restarts, now_unix, restart_settings_};
  auto plan = plan_reconcile(input);
  result.reported_status = std::move(plan.reported_status);
  result.wake_at_unix = plan.wake_at_unix;

  for (const auto& command : plan.commands) {
    if (result.failures.count(command.module)) continue;  // its earlier step failed in this pass
    if (const auto waiting = state_.step_failures.find(command.module);
        waiting != state_.step_failures.end() && waiting->second.retry_at_unix > now_unix) {
      result.failures[command.module] = waiting->second.error;
      if (!result.wake_at_unix || waiting->second.retry_at_unix < *result.wake_at_unix)
        result.wake_at_unix = waiting->second.retry_at_unix;
      continue;
    }
    spdlog::info("agent: {} module '{}' ({})", to_string(command.kind), command.module, command.why);
    auto done = execute(command, manifest, now_unix);
    ++result.commands_run;
    if (done) {
      state_.step_failures.erase(command.module);
      continue;
    }
    auto& failure = state_.step_failures[command.module];
    ++failure.attempts;
    failure.retry_at_unix = now_unix + step_retry_delay(failure.attempts);
    failure.error = done.error();
    result.failures[command.module] = done.error();
    if (!result.wake_at_unix || failure.retry_at_unix < *result.wake_at_unix) result.wake_at_unix = failure.retry_at_unix;
    spdlog::warn("agent: {} module '{}' failed (attempt {}, again in {} s): {}", to_string(command.kind), command.module,
                 failure.attempts, failure.retry_at_unix - now_unix, done.error());
  }
  // Written only when it changed: a pass runs every second on a quiet device.
  if (result.commands_run > 0 || forgiven > 0)
    if (auto saved = state_.save(); !saved) spdlog::warn("agent: {}", saved.error());
  if (result.commands_run > 0) {
    auto after = management_.list_modules();
    if (after) result.modules = std::move(*after);
  } else {
    for (auto& [name, module] : running) result.modules.push_back(std::move(module.info));
  }
  return result;
}

}  // namespace outpost::agent
