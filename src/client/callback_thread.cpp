#include "callback_thread.h"

#include <condition_variable>
#include <deque>
#include <mutex>

namespace outpost::client::detail {

struct CallbackThread::Queue {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> work;
  bool stopping = false;
  std::size_t high = 0, low = 0;  // 0: no limits
  std::function<void()> full, drained;
  bool over = false;  // `full` ran, `drained` has not yet
};

CallbackThread::CallbackThread() : queue_(std::make_shared<Queue>()) {
  thread_ = std::thread([queue = queue_] { run(queue); });
}

CallbackThread::~CallbackThread() {
  const bool from_a_handler = on_this_thread();
  {
    std::lock_guard lock(queue_->mutex);
    queue_->stopping = true;
    // A client destroyed by its own handler: what is left would run on a dead client.
    if (from_a_handler) queue_->work.clear();
    queue_->full = nullptr;  // they reach into the client, which is going
    queue_->drained = nullptr;
  }
  queue_->wake.notify_one();
  if (from_a_handler) thread_.detach();  // it finishes that handler and exits alone
  else thread_.join();
}

void CallbackThread::set_limits(std::size_t high, std::size_t low, std::function<void()> full,
                                std::function<void()> drained) {
  std::lock_guard lock(queue_->mutex);
  queue_->high = high;
  queue_->low = low;
  queue_->full = std::move(full);
  queue_->drained = std::move(drained);
}

std::size_t CallbackThread::waiting() const {
  std::lock_guard lock(queue_->mutex);
  return queue_->work.size();
}

void CallbackThread::post(std::function<void()> work) {
  std::function<void()> full;
  bool wake = false;
  {
    std::lock_guard lock(queue_->mutex);
    if (queue_->stopping) return;
    queue_->work.push_back(std::move(work));
    // The thread drains the queue before it sleeps: only the first item needs to wake it.
    wake = queue_->work.size() == 1;
    if (queue_->high && !queue_->over && queue_->work.size() >= queue_->high) {
      queue_->over = true;
      full = queue_->full;
    }
  }
  if (full) full();
  if (wake) queue_->wake.notify_one();
}

void CallbackThread::run(const std::shared_ptr<Queue>& queue) {
  std::unique_lock lock(queue->mutex);
  while (true) {
    queue->wake.wait(lock, [&] { return queue->stopping || !queue->work.empty(); });
    if (queue->work.empty()) return;  // stopping, and nothing left
    auto work = std::move(queue->work.front());
    queue->work.pop_front();
    std::function<void()> drained;
    if (queue->over && queue->work.size() <= queue->low) {
      queue->over = false;
      drained = queue->drained;
    }
    lock.unlock();
    if (drained) drained();
    try {
      work();
    } catch (...) {
      // A handler's exception is the handler's: the thread carries on with the next one.
    }
    work = nullptr;  // what the handler captured goes before the lock is taken again
    lock.lock();
  }
}

}  // namespace outpost::client::detail
