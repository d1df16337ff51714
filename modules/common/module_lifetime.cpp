#include "module_lifetime.h"

#include <pthread.h>

#include <csignal>
#include <iostream>

namespace sample {
namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

ModuleLifetime::ModuleLifetime(std::string name) : name_(std::move(name)) {
  const auto set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signals_ = std::thread([this, set] {
    int signal = 0;
    sigwait(&set, &signal);
    if (!closing_) std::cout << name_ << ": stopping (signal " << signal << ")" << std::endl;
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
  });
}

ModuleLifetime::~ModuleLifetime() {
  closing_ = true;
  pthread_kill(signals_.native_handle(), SIGTERM);  // blocked there: sigwait() takes it
  signals_.join();
}

void ModuleLifetime::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const auto seen = notifications_;
  wake_.wait_for(lock, timeout, [&] { return stopping_.load() || notifications_ != seen; });
}

void ModuleLifetime::wait_until_stopped() {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [this] { return stopping_.load(); });
}

void ModuleLifetime::notify() {
  {
    std::lock_guard lock(mutex_);
    ++notifications_;
  }
  wake_.notify_all();
}

bool ModuleLifetime::open(outpost::client::ModuleClient& client) {
  for (auto delay = std::chrono::seconds(1); !stopping_; delay = std::min(delay * 2, std::chrono::seconds(30))) {
    try {
      client.open();
      return true;
    } catch (const outpost::client::ClientError& e) {
      std::cerr << name_ << ": cannot connect yet (" << e.what() << "); again in " << delay.count() << " s" << std::endl;
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, delay, [this] { return stopping_.load(); });
    }
  }
  return false;
}

}  // namespace sample
