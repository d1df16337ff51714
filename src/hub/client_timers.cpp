#include "client_timers.h"

namespace outpost::hub {

void ClientTimers::arm(const std::string& client_id, std::chrono::seconds delay, std::function<void()> fire) {
  auto& entry = timers_[client_id];
  entry.timer = loop_.make_timer();
  entry.fire = std::move(fire);
  entry.timer->start(delay, [this, client_id] { this->fire(client_id); });
}

bool ClientTimers::cancel(const std::string& client_id) { return timers_.erase(client_id) > 0; }

bool ClientTimers::fire(const std::string& client_id) {
  const auto it = timers_.find(client_id);
  if (it == timers_.end()) return false;
  // Out of the map first: what it runs may arm or cancel this client's timers again. The timer
  // itself may be the caller (its callback holds its own state, so freeing it here is safe).
  auto entry = std::move(it->second);
  timers_.erase(it);
  entry.fire();
  return true;
}

}  // namespace outpost::hub
