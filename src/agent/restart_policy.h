// When a module that is not running is started again (daemon-agent-manifest.md §4, "Restart
// policy"), as a pure function of its policy, state and restart record. IoT Edge's backoff is
// the default — a cool-off of 10 s × 2ⁿ up to 300 s — but unlike IoT Edge the agent never
// gives up unless told to (`max_restarts`), and `on-unhealthy` is its own policy: a container
// whose HEALTHCHECK says unhealthy is restarted; `on-failure` restarts only failures.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "outpost/agent/manifest.h"

namespace outpost::agent {

// What the runtime says a module is doing (ModuleDetails' runtimeStatus.status).
enum class RuntimeState { running, unhealthy, stopped, failed, dead, unknown };
RuntimeState runtime_state_from(std::string_view status);

struct RestartSettings {
  std::chrono::seconds cool_off_unit{10};   // the first restart waits this long after the exit
  std::chrono::seconds max_cool_off{300};   // doubling stops here
  std::optional<unsigned> max_restarts;     // none: never give up (IoT Edge gives up after 20)
  std::chrono::seconds steady_run{600};     // running this long forgives past restarts
};

struct RestartRecord {
  unsigned count = 0;                    // restarts since the last steady run or deployment
  std::int64_t last_restart_unix = 0;    // 0: never
};

struct RestartDecision {
  enum class Action { leave, restart_now, restart_later, give_up } action = Action::leave;
  std::int64_t at_unix = 0;  // for restart_later: when
};

// Whether `policy` asks for a module in `state` to be started again.
bool restart_wanted(RestartPolicy policy, RuntimeState state);

// The cool-off after `count` restarts: unit × 2^count, at most max.
std::chrono::seconds cool_off(unsigned count, const RestartSettings& settings);

// `exit_unix`: when the module last exited (0 if unknown: counted from the last restart).
RestartDecision decide_restart(RestartPolicy policy, RuntimeState state, const RestartRecord& record,
                               std::int64_t exit_unix, std::int64_t now_unix, const RestartSettings& settings);

// A module running steadily since `start_unix` has its record cleared.
bool record_expires(const RestartRecord& record, RuntimeState state, std::int64_t start_unix, std::int64_t now_unix,
                    const RestartSettings& settings);

}  // namespace outpost::agent
