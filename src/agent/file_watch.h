// Wakes the agent the moment its deployment file is written (inotify on the file's folder:
// written in place, or moved there as `outpost deployment apply` does), instead of it noticing
// at its next look. A thread of its own; `on_change` must be quick and thread-safe.
#pragma once
#include <functional>
#include <string>
#include <thread>

namespace outpost::agent {

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

}  // namespace outpost::agent
