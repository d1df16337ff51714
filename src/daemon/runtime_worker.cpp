#include "runtime_worker.h"

#include <future>

#include <spdlog/spdlog.h>

namespace outpost::daemon {

void RuntimeWorker::log_failure(const std::exception& e) { spdlog::error("runtime worker: a job failed: {}", e.what()); }

RuntimeWorker::RuntimeWorker(net::EventLoop& loop) : loop_(loop), thread_([this] { loop_body(); }) {}

RuntimeWorker::~RuntimeWorker() { stop(); }

void RuntimeWorker::enqueue(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void RuntimeWorker::run_and_wait(const std::function<void()>& job) {
  std::promise<void> finished;
  auto done = finished.get_future();
  {
    std::unique_lock lock(mutex_);
    if (stopping_) {
      // The worker is finishing or gone: once it has joined, the caller is the only user.
      lock.unlock();
      stop();
      job();
      return;
    }
    jobs_.push_back([&] {
      job();
      finished.set_value();
    });
  }
  wake_.notify_one();
  done.wait();
}

void RuntimeWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void RuntimeWorker::loop_body() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and nothing left
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job();
    } catch (const std::exception& e) {
      log_failure(e);
    }
  }
}

}  // namespace outpost::daemon
