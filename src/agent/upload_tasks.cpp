#include "upload_tasks.h"

#include <spdlog/spdlog.h>

#include "outpost/core/crypto.h"

namespace outpost::agent {

UploadTasks::UploadTasks() : worker_([this] { run(); }) {}

UploadTasks::~UploadTasks() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

Result<std::string> UploadTasks::start(std::function<Status()> work) {
  std::lock_guard lock(mutex_);
  if (waiting_.size() >= kMaxWaiting)
    return make_error(ErrorKind::unavailable, "too many uploads are waiting; ask again when GetTaskStatus shows them done");
  auto id = random_uuid();
  tasks_[id] = Task{"NotStarted", "", next_order_++};
  waiting_.emplace_back(id, std::move(work));
  forget_oldest_finished();
  wake_.notify_one();
  return id;
}

std::optional<nlohmann::json> UploadTasks::status(const std::string& correlation_id) const {
  std::lock_guard lock(mutex_);
  const auto it = tasks_.find(correlation_id);
  if (it == tasks_.end()) return std::nullopt;
  return nlohmann::json{{"status", it->second.status}, {"message", it->second.message}, {"correlationId", correlation_id}};
}

void UploadTasks::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
    if (stopping_) return;
    auto [id, work] = std::move(waiting_.front());
    waiting_.pop_front();
    tasks_[id].status = "Running";
    lock.unlock();
    Status done = make_error(ErrorKind::io, "the task threw");
    try {
      done = work();
    } catch (const std::exception& e) {
      done = make_error(ErrorKind::io, e.what());
    }
    if (done) spdlog::info("agent: upload task {} completed", id);
    else spdlog::warn("agent: upload task {} failed: {}", id, done.error());
    lock.lock();
    auto& task = tasks_[id];
    task.status = done ? "Completed" : "Failed";
    task.message = done ? "" : done.error();
  }
}

void UploadTasks::forget_oldest_finished() {
  while (tasks_.size() > kKept + kMaxWaiting) {
    auto oldest = tasks_.end();
    for (auto it = tasks_.begin(); it != tasks_.end(); ++it)
      if ((it->second.status == "Completed" || it->second.status == "Failed") &&
          (oldest == tasks_.end() || it->second.order < oldest->second.order))
        oldest = it;
    if (oldest == tasks_.end()) return;
    tasks_.erase(oldest);
  }
}

}  // namespace outpost::agent
