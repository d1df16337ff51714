#include "agent_watchdog.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace outpost::daemon {

using runtime::ModuleState;

AgentWatchdog::AgentWatchdog(runtime::ModuleRuntime& runtime, runtime::ModuleSpec spec, std::optional<int> max_retries)
    : runtime_(runtime), spec_(std::move(spec)), max_retries_(max_retries) {}

bool AgentWatchdog::same_spec(const runtime::ModuleSpec& running) const {
  return running.image == spec_.image && running.env == spec_.env && running.create_options == spec_.create_options;
}

Status AgentWatchdog::ensure_created() {
  const auto existing = runtime_.spec(spec_.name);
  if (existing && same_spec(*existing)) return {};
  if (existing) {
    spdlog::info("watchdog: the agent's configuration changed: recreating '{}'", spec_.name);
    if (auto ok = runtime_.remove(spec_.name); !ok) return ok;
  }
  return runtime_.create(spec_);
}

bool AgentWatchdog::check(Clock::time_point now) {
  if (gave_up_) return false;
  const auto status = runtime_.status(spec_.name);
  const bool running = status && (status->state == ModuleState::running || status->state == ModuleState::unhealthy);
  if (running) {
    // Adopted at start, or started by us: either way, it is up. A changed spec still wins.
    const auto existing = runtime_.spec(spec_.name);
    if (!existing || same_spec(*existing)) {
      if (!running_since_) running_since_ = now;
      if (now - *running_since_ >= std::chrono::minutes(1)) failures_ = 0;
      next_start_.reset();
      return true;
    }
  }
  if (running_since_ && status && !running)
    spdlog::warn("watchdog: agent '{}' is {} ({})", spec_.name, runtime::to_string(status->state), status->description);
  running_since_.reset();
  if (!next_start_) next_start_ = now;  // the first start: at once
  if (now < *next_start_) return true;

  if (max_retries_ && failures_ > *max_retries_) {
    spdlog::error("watchdog: agent '{}' failed {} times in a row (watchdog.max_retries {}): giving up", spec_.name,
                  failures_, *max_retries_);
    gave_up_ = true;
    return false;
  }
  auto ok = ensure_created();
  if (ok) ok = runtime_.start(spec_.name);
  ++failures_;  // cleared once it has run a minute
  const auto backoff = std::chrono::seconds(std::min(60, 1 << std::min(failures_ - 1, 6)));
  next_start_ = now + backoff;
  if (!ok) {
    spdlog::error("watchdog: cannot start agent '{}': {} (next try in {} s)", spec_.name, ok.error(), backoff.count());
  } else {
    running_since_ = now;
    spdlog::info("watchdog: agent '{}' started", spec_.name);
  }
  return true;
}

Status AgentWatchdog::signal_stop() {
  gave_up_ = true;  // no restarts from here on
  if (!runtime_.status(spec_.name)) return {};
  return runtime_.signal_stop(spec_.name);
}

bool AgentWatchdog::agent_running() {
  runtime_.tick();  // reaps it, for the process runtime
  const auto status = runtime_.status(spec_.name);
  return status && (status->state == runtime::ModuleState::running || status->state == runtime::ModuleState::unhealthy);
}

Status AgentWatchdog::stop(std::chrono::seconds grace) {
  gave_up_ = true;  // no restarts from here on
  if (!runtime_.status(spec_.name)) return {};
  return runtime_.stop(spec_.name, grace);
}

}  // namespace outpost::daemon
