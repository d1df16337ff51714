// The event loop every daemon runs on: one Boost.Asio io_context behind a small interface,
// so code above the network layer (hub logic, cloud logic) stays free of Asio headers.
// Outpost libraries that need the io_context itself link outpost::net_internal
// (src/net/README.md).
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace outpost::net {

// A one-shot timer bound to an EventLoop. Restarting cancels the previous wait.
// Callbacks run on the loop's thread; cancel() or destruction guarantees no later callback.
class Timer {
 public:
  virtual ~Timer() = default;
  virtual void start(std::chrono::microseconds delay, std::function<void()> callback) = 0;
  virtual void cancel() = 0;
};

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void run();   // runs handlers on the calling thread until stop()
  // Runs the handlers that are ready now (and those they make ready), without waiting;
  // returns how many ran. Lets tests drive the loop step by step on their own thread.
  std::size_t poll();
  void stop();  // thread-safe
  bool stopped() const;
  void post(std::function<void()> fn);  // thread-safe; runs fn on the loop's thread
  std::unique_ptr<Timer> make_timer();
  // Runs `on_signal(signo)` on the loop when SIGINT/SIGTERM/SIGHUP (those listed) arrive.
  void on_signals(std::initializer_list<int> signals, std::function<void(int)> on_signal);

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::net
