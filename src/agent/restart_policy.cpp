#include "restart_policy.h"

#include <algorithm>

namespace outpost::agent {

RuntimeState runtime_state_from(std::string_view status) {
  if (status == "running") return RuntimeState::running;
  if (status == "unhealthy") return RuntimeState::unhealthy;
  if (status == "stopped") return RuntimeState::stopped;
  if (status == "failed") return RuntimeState::failed;
  if (status == "dead") return RuntimeState::dead;
  return RuntimeState::unknown;
}

bool restart_wanted(RestartPolicy policy, RuntimeState state) {
  switch (policy) {
    case RestartPolicy::never:
      return false;
    case RestartPolicy::on_failure:
      return state == RuntimeState::failed || state == RuntimeState::dead;
    case RestartPolicy::on_unhealthy:
      return state == RuntimeState::failed || state == RuntimeState::dead || state == RuntimeState::unhealthy;
    case RestartPolicy::always:
      return state != RuntimeState::running && state != RuntimeState::unknown;
  }
  return false;
}

std::chrono::seconds cool_off(unsigned count, const RestartSettings& settings) {
  auto delay = settings.cool_off_unit;
  for (unsigned i = 0; i < count && delay < settings.max_cool_off; ++i) delay *= 2;
  return std::min(delay, settings.max_cool_off);
}

RestartDecision decide_restart(RestartPolicy policy, RuntimeState state, const RestartRecord& record,
                               std::int64_t exit_unix, std::int64_t now_unix, const RestartSettings& settings) {
  using Action = RestartDecision::Action;
  if (!restart_wanted(policy, state)) return {Action::leave, 0};
  if (settings.max_restarts && record.count >= *settings.max_restarts) return {Action::give_up, 0};
  const auto since = exit_unix > 0 ? exit_unix : record.last_restart_unix;
  const auto due = since + cool_off(record.count, settings).count();
  // A clock that went backwards (since in the future) must not postpone the restart for ever.
  if (since <= 0 || now_unix >= due || since > now_unix) return {Action::restart_now, now_unix};
  return {Action::restart_later, due};
}

bool record_expires(const RestartRecord& record, RuntimeState state, std::int64_t start_unix, std::int64_t now_unix,
                    const RestartSettings& settings) {
  return record.count > 0 && state == RuntimeState::running && start_unix > 0 &&
         now_unix - start_unix >= settings.steady_run.count();
}

}  // namespace outpost::agent
