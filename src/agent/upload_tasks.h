// The agent's upload tasks (UploadModuleLogs, UploadSupportBundle), as IoT Edge's agent runs
// them: the method answers at once with a correlation id, the work runs in the background,
// and GetTaskStatus tells how it went — NotStarted, Running, Completed, or Failed with the
// reason. One worker thread, tasks one after another; at most kMaxWaiting wait (more are
// refused, so a burst of calls cannot queue unbounded work) and the last kKept finished ones
// are remembered.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "outpost/core/result.h"

namespace outpost::agent {

class UploadTasks {
 public:
  static constexpr std::size_t kMaxWaiting = 8;
  static constexpr std::size_t kKept = 100;

  UploadTasks();
  ~UploadTasks();  // finishes the running task; those still waiting are dropped
  UploadTasks(const UploadTasks&) = delete;
  UploadTasks& operator=(const UploadTasks&) = delete;

  // Queues `work`; its correlation id, or an error (kind unavailable) when too many wait.
  Result<std::string> start(std::function<Status()> work);
  // {"status", "message", "correlationId"} of a task; nullopt for an id never given (or forgotten).
  std::optional<nlohmann::json> status(const std::string& correlation_id) const;

 private:
  struct Task {
    std::string status = "NotStarted";
    std::string message;
    std::uint64_t order = 0;
  };
  void run();
  void forget_oldest_finished();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::string, std::function<Status()>>> waiting_;
  std::map<std::string, Task> tasks_;
  std::uint64_t next_order_ = 0;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace outpost::agent
