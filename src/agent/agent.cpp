#include "agent.h"

#include <sys/stat.h>

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "outpost/core/clock.h"
#include "outpost/core/file_io.h"
#include "outpost/core/json.h"

namespace outpost::agent {
namespace {

using nlohmann::json;

std::int64_t now_unix() { return SystemClock::instance().unix_seconds(); }

std::string file_signature(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return "";
  return fmt::format("{}.{}:{}", info.st_mtim.tv_sec, info.st_mtim.tv_nsec, info.st_size);
}

json module_reported(const ModuleDesired* desired, const management::ModuleInfo* info, const std::string& status_override,
                     const RestartRecord* record, bool system) {
  json m = json::object();
  if (desired) {
    m = {{"type", desired->type},
         {"settings", {{"image", desired->image}, {"createOptions", desired->create_options.dump()}}}};
    if (!system || desired->name == "edgeHub") {
      m["status"] = to_string(desired->status);
      m["restartPolicy"] = to_string(desired->restart_policy);
    }
    if (!system) {
      m["version"] = desired->version;
      m["imagePullPolicy"] = to_string(desired->image_pull_policy);
      m["startupOrder"] = desired->startup_order;
      json env = json::object();
      for (const auto& [key, value] : desired->env) env[key] = {{"value", value}};
      m["env"] = env;
    }
  }
  m["runtimeStatus"] = !status_override.empty() ? status_override : info ? info->runtime_status : "unknown";
  m["statusDescription"] = info ? info->description : "";
  if (info && info->exit_code) m["exitCode"] = *info->exit_code;
  if (info && !info->start_time.empty()) m["lastStartTimeUtc"] = info->start_time;
  if (info && !info->exit_time.empty()) m["lastExitTimeUtc"] = info->exit_time;
  if (!system || (desired && desired->name == "edgeHub")) {
    m["restartCount"] = record ? record->count : 0;
    if (record && record->last_restart_unix > 0)
      m["lastRestartTimeUtc"] = format_iso8601(Clock::time_point(std::chrono::seconds(record->last_restart_unix)));
  }
  return m;
}

}  // namespace

Agent::Agent(AgentSettings settings, management::ManagementClient management, AgentState state)
    : settings_(std::move(settings)),
      management_(std::move(management)),
      state_(std::move(state)),
      reconciler_(management_, settings_.agent_name, settings_.restart, state_) {}

void Agent::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

void Agent::offer_deployment(json deployment) {
  {
    std::lock_guard lock(mutex_);
    offered_ = std::move(deployment);
  }
  wake_.notify_all();
}

void Agent::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void Agent::check_deployment_file() {
  if (settings_.deployment_file.empty()) return;
  auto signature = file_signature(settings_.deployment_file);
  if (signature == file_signature_) return;
  file_signature_ = signature;
  if (signature.empty()) {
    last_status_ = {417, fmt::format("no deployment: {} does not exist", settings_.deployment_file)};
    return;
  }
  auto text = read_whole_file(settings_.deployment_file, 4 * 1024 * 1024);
  if (!text) {
    last_status_ = {400, text.error()};
    return;
  }
  auto parsed = parse_json(*text);
  if (!parsed) {
    last_status_ = {400, fmt::format("{}: {}", settings_.deployment_file, parsed.error())};
    spdlog::warn("agent: deployment refused ({}): {}", last_status_.code, last_status_.description);
    return;
  }
  accept(*parsed);
}

void Agent::accept(const json& deployment) {
  // A whole deployment (modulesContent) or $edgeAgent's desired properties alone.
  const bool whole = deployment.is_object() && (deployment.contains("modulesContent") || deployment.contains("$edgeAgent") || deployment.contains("content"));
  auto parsed = whole ? parse_deployment(deployment) : [&]() -> Result<Deployment, ManifestStatus> {
    auto agent = parse_agent_desired(deployment);
    if (!agent) return agent.failure();
    return Deployment{std::move(*agent), json::object(), {}};
  }();
  if (!parsed) {
    last_status_ = parsed.failure();
    spdlog::warn("agent: deployment refused ({}): {}; what runs stays as it is", last_status_.code,
                 last_status_.description);
    return;
  }
  if (parsed->agent.version != state_.deployment_version || !manifest_) {
    state_.step_failures.clear();  // a new deployment retries what failed at once
    state_.deployment_version = parsed->agent.version;
  }
  const bool changed = !manifest_ || !(*manifest_ == parsed->agent);
  manifest_ = std::move(parsed->agent);
  last_desired_version_ = manifest_->version;
  last_status_ = {200, ""};
  if (changed && keeper_) keeper_(deployment);
  spdlog::info("agent: deployment version {} accepted: {} modules", manifest_->version,
               manifest_->modules.size() + (manifest_->edge_hub ? 1 : 0));
}

void Agent::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto offered = std::move(offered_);
    offered_.reset();
    woken_ = false;
    lock.unlock();
    if (offered) accept(*offered);
    check_deployment_file();
    std::optional<std::int64_t> wake_at;
    if (manifest_) {
      auto pass = reconciler_.run_pass(*manifest_, now_unix());
      if (!pass.listed) spdlog::warn("agent: cannot read what runs: {}", pass.error);
      wake_at = pass.wake_at_unix;
      report(pass);
    } else {
      report(PassResult{});
    }
    lock.lock();
    if (stopping_ || offered_ || woken_) continue;
    auto until = std::chrono::steady_clock::now() + settings_.runtime_poll;
    if (wake_at) {
      const auto in = std::chrono::seconds(std::max<std::int64_t>(0, *wake_at - now_unix()));
      until = std::min(until, std::chrono::steady_clock::now() + in);
    }
    wake_.wait_until(lock, until, [&] { return stopping_ || offered_.has_value() || woken_; });
  }
  lock.unlock();
  stop_modules();
}

void Agent::stop_modules() {
  if (!manifest_) return;
  std::vector<ModuleDesired> modules = manifest_->modules;
  if (manifest_->edge_hub) modules.push_back(*manifest_->edge_hub);
  std::stable_sort(modules.begin(), modules.end(),
                   [](const ModuleDesired& a, const ModuleDesired& b) { return a.startup_order > b.startup_order; });
  for (const auto& module : modules) {
    auto stopped = management_.stop_module(module.name);
    if (stopped) spdlog::info("agent: stopped module '{}'", module.name);
    else spdlog::warn("agent: stopping module '{}': {}", module.name, stopped.error());
    // Stopped by us, not by a failure: the next start (a reboot, offline or not) starts it at
    // once instead of waiting out a restart cool-off (IoT Edge waits: Azure/iotedge#3702).
    if (auto applied = state_.applied.find(module.name); applied != state_.applied.end())
      applied->second.status = DesiredStatus::stopped;
  }
  if (auto saved = state_.save(); !saved) spdlog::warn("agent: {}", saved.error());
  PassResult stopped;
  report(stopped);
}

void Agent::report(const PassResult& pass) {
  json reported{{"schemaVersion", "1.0"},
                {"version", {{"version", "outpost-agent/0.1.0"}}},
                {"lastDesiredVersion", last_desired_version_},
                {"lastDesiredStatus", {{"code", last_status_.code}, {"description", last_status_.description}}},
                {"runtime", {{"type", "docker"}, {"platform", {{"os", "linux"}, {"architecture", "x86_64"}}}}}};
  if (manifest_)
    reported["runtime"]["settings"] = {{"minDockerVersion", manifest_->min_docker_version},
                                       {"loggingOptions", manifest_->logging_options}};
  const auto info_of = [&](const std::string& name) -> const management::ModuleInfo* {
    const auto found = std::find_if(pass.modules.begin(), pass.modules.end(),
                                    [&](const management::ModuleInfo& m) { return m.name == name; });
    return found == pass.modules.end() ? nullptr : &*found;
  };
  const auto override_of = [&](const std::string& name) {
    const auto found = pass.reported_status.find(name);
    return found == pass.reported_status.end() ? std::string() : found->second;
  };
  const auto record_of = [&](const std::string& name) -> const RestartRecord* {
    const auto found = state_.restarts.find(name);
    return found == state_.restarts.end() ? nullptr : &found->second;
  };
  json system = json::object();
  json modules = json::object();
  if (manifest_) {
    system["edgeAgent"] = module_reported(&manifest_->edge_agent, info_of(settings_.agent_name), "running", nullptr, true);
    if (manifest_->edge_hub)
      system["edgeHub"] = module_reported(&*manifest_->edge_hub, info_of("edgeHub"), override_of("edgeHub"),
                                          record_of("edgeHub"), true);
    for (const auto& module : manifest_->modules)
      modules[module.name] = module_reported(&module, info_of(module.name), override_of(module.name),
                                             record_of(module.name), false);
  }
  reported["systemModules"] = system;
  reported["modules"] = modules;
  if (reporter_) reporter_(reported);
  {
    std::lock_guard lock(reported_mutex_);
    if (reported == reported_) return;
    reported_ = reported;
  }
  if (auto written = write_file_atomically(settings_.storage_dir + "/reported.json", reported.dump(2), 0644); !written)
    spdlog::warn("agent: {}", written.error());
}

json Agent::reported() const {
  std::lock_guard lock(reported_mutex_);
  return reported_;
}

}  // namespace outpost::agent
