// What every sample module does around its own work: it stops on SIGTERM (how outpostd and
// Docker stop a module) or SIGINT, and it connects to its edge hub, retrying while the hub is
// not up yet (the agent may start the module first). Signals are taken by one thread of ours
// with sigwait(), never in a handler, so stopping can wake any waiting thread safely.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include <outpost/client/module_client.h>

namespace sample {

class ModuleLifetime {
 public:
  // Construct it first in main(), before any other thread (the SDK's too) exists: those
  // inherit the blocked signals.
  explicit ModuleLifetime(std::string name);
  ~ModuleLifetime();
  ModuleLifetime(const ModuleLifetime&) = delete;
  ModuleLifetime& operator=(const ModuleLifetime&) = delete;

  bool stopping() const { return stopping_; }
  // Sleeps up to `timeout`, or less when the module stops or notify() is called.
  void wait_for(std::chrono::milliseconds timeout);
  void wait_until_stopped();
  void notify();
  // client.open(), again after 1 s, 2 s, … 30 s while it fails; false when the module was
  // stopped first.
  bool open(outpost::client::ModuleClient& client);

 private:
  std::string name_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> closing_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t notifications_ = 0;
  std::thread signals_;
};

}  // namespace sample
