// The client's callback thread: user handlers run here, one at a time, in the order they
// were posted — never on a link's I/O thread, so a handler may block on the client (send, get
// the twin) without stalling the acknowledgements it waits for.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <thread>

namespace outpost::client::detail {

class CallbackThread {
 public:
  CallbackThread();
  ~CallbackThread();  // runs what was posted, then stops
  CallbackThread(const CallbackThread&) = delete;
  CallbackThread& operator=(const CallbackThread&) = delete;

  void post(std::function<void()> work);
  // Flow control for arrivals: once `high` items wait, `full` runs (on the posting thread);
  // once they drain to `low`, `drained` runs (on this thread). Set before anything is posted.
  void set_limits(std::size_t high, std::size_t low, std::function<void()> full, std::function<void()> drained);
  std::size_t waiting() const;
  bool on_this_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  struct Queue;  // shared with the thread: it outlives this object when a handler destroys its client
  static void run(const std::shared_ptr<Queue>& queue);

  std::shared_ptr<Queue> queue_;
  std::thread thread_;
};

}  // namespace outpost::client::detail
