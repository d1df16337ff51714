// The one thread that talks to the module runtime. Runtime calls block (a module's stop
// waits up to its grace time; Docker calls are REST round trips), so the event loop never
// makes them: it hands jobs here, in order, and gets each result back on the loop's thread.
// Jobs run one at a time, so the runtime needs no locking.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>

#include "outpost/core/result.h"
#include "outpost/net/event_loop.h"
#include "outpost/net/http_server.h"

namespace outpost::daemon {

class RuntimeWorker {
 public:
  explicit RuntimeWorker(net::EventLoop& loop);
  ~RuntimeWorker();  // runs what is queued, then joins

  // Runs `job` on the worker; `done(result)` then runs on the loop's thread. A job that
  // throws (a bug) costs its own answer only: a 500 for an HTTP response, false for a check.
  template <typename R>
  void run(std::function<R()> job, std::function<void(R)> done) {
    auto* loop = &loop_;
    enqueue([loop, job = std::move(job), done = std::move(done)]() mutable {
      std::shared_ptr<R> result;
      try {
        result = std::make_shared<R>(job());
      } catch (const std::exception& e) {
        result = std::make_shared<R>(failed<R>(e));
      }
      loop->post([done = std::move(done), result] { done(std::move(*result)); });
    });
  }
  // Runs `job` on the worker and waits for it (start-up and shutdown only).
  void run_and_wait(const std::function<void()>& job);
  void stop();  // finishes the queue, then joins; later jobs are dropped
  net::EventLoop& loop() { return loop_; }

 private:
  template <typename R>
  static R failed(const std::exception& e) {
    log_failure(e);
    if constexpr (std::is_same_v<R, net::HttpResponse>) return net::HttpResponse::json(500, R"({"message":"internal error; see outpostd's log"})");
    else if constexpr (std::is_constructible_v<R, Error>) return R(make_error(ErrorKind::unavailable, e.what()));
    else return R{};
  }
  static void log_failure(const std::exception& e);
  void enqueue(std::function<void()> job);
  void loop_body();

  net::EventLoop& loop_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace outpost::daemon
