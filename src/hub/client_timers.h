// One timer per MQTT client id, on the hub's loop: when an absent client's session expires
// and when its delayed will goes out (MQTT 5 §3.1.2.11.2, §3.1.3.2.2). Each fires once, and
// the client's return cancels it. An idle session costs one asio timer, no polling.
// Threading: the hub's loop only.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "outpost/net/event_loop.h"

namespace outpost::hub {

class ClientTimers {
 public:
  explicit ClientTimers(net::EventLoop& loop) : loop_(loop) {}

  // Runs `fire` after `delay`; replaces the client's timer if it had one.
  void arm(const std::string& client_id, std::chrono::seconds delay, std::function<void()> fire);
  // Whether one was armed (it will not fire).
  bool cancel(const std::string& client_id);
  // Runs the client's timer now rather than later; false if none was armed.
  bool fire(const std::string& client_id);
  bool armed(const std::string& client_id) const { return timers_.count(client_id) > 0; }
  std::size_t size() const { return timers_.size(); }

 private:
  struct Entry {
    std::unique_ptr<net::Timer> timer;
    std::function<void()> fire;
  };
  net::EventLoop& loop_;
  std::unordered_map<std::string, Entry> timers_;
};

}  // namespace outpost::hub
