// Boots the edge agent and keeps it running, as IoT Edge's watchdog does: a stopped or
// failed agent is started again — at once the first time, then after 1, 2, 4 ... 60 s —
// and a changed agent configuration (image, env, createOptions) recreates it. After
// `max_retries` failed starts in a row (config.yaml's watchdog.max_retries; by default
// never) it gives up and says so. An agent that ran a minute clears the count.
#pragma once
#include <chrono>
#include <optional>
#include <string>

#include "outpost/runtime/module_runtime.h"

namespace outpost::daemon {

class AgentWatchdog {
 public:
  using Clock = std::chrono::steady_clock;
  AgentWatchdog(runtime::ModuleRuntime& runtime, runtime::ModuleSpec spec, std::optional<int> max_retries);

  // Called about once a second. Returns false once it has given up.
  bool check(Clock::time_point now);
  // Stops the agent (at daemon shutdown).
  Status stop(std::chrono::seconds grace);
  // The first half of a stop that lets the agent be served meanwhile: no more restarts, the
  // agent gets SIGTERM; `agent_running()` says when it is gone (then stop(0s) is a no-op).
  Status signal_stop();
  bool agent_running();
  int failures() const { return failures_; }

 private:
  Status ensure_created();
  bool same_spec(const runtime::ModuleSpec& running) const;

  runtime::ModuleRuntime& runtime_;
  runtime::ModuleSpec spec_;
  std::optional<int> max_retries_;
  int failures_ = 0;
  std::optional<Clock::time_point> next_start_;    // when a restart is due
  std::optional<Clock::time_point> running_since_;
  bool gave_up_ = false;
};

}  // namespace outpost::daemon
