// Calls `on_change` the moment a file is written (inotify on the file's folder: written in
// place, created, removed, or moved there as `outpost deployment apply` does), so a reader of
// the file (the agent, the hub with no cloud) need not look at it on a timer. A thread of its
// own; `on_change` must be quick and thread-safe. When inotify is not available, watching() is
// false and the caller looks on a timer instead.
#pragma once
#include <functional>
#include <string>
#include <thread>

namespace outpost {

class FileWatch {
 public:
  FileWatch(std::string file, std::function<void()> on_change);
  ~FileWatch();  // stops the thread
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  bool watching() const { return inotify_ >= 0; }

 private:
  void run();

  std::string folder_;
  std::string name_;
  std::function<void()> on_change_;
  int inotify_ = -1;
  int stop_ = -1;  // an eventfd that ends run()
  std::thread thread_;
};

}  // namespace outpost
