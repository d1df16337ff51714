#include "outpost/core/file_watch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <filesystem>

#include <spdlog/spdlog.h>

namespace outpost {

FileWatch::FileWatch(std::string file, std::function<void()> on_change) : on_change_(std::move(on_change)) {
  const std::filesystem::path path(file);
  folder_ = path.parent_path().string();
  name_ = path.filename().string();
  inotify_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  stop_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (inotify_ < 0 || stop_ < 0 ||
      ::inotify_add_watch(inotify_, folder_.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE) < 0) {
    spdlog::warn("cannot watch {} for changes (inotify): it is looked at on a timer instead", folder_);
    if (inotify_ >= 0) ::close(inotify_);
    inotify_ = -1;
    return;
  }
  thread_ = std::thread([this] { run(); });
}

FileWatch::~FileWatch() {
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(stop_, &one, sizeof one);
    thread_.join();
  }
  if (inotify_ >= 0) ::close(inotify_);
  if (stop_ >= 0) ::close(stop_);
}

void FileWatch::run() {
  alignas(inotify_event) char buffer[4096];
  while (true) {
    pollfd fds[2] = {{inotify_, POLLIN, 0}, {stop_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents) return;
    const auto n = ::read(inotify_, buffer, sizeof buffer);
    bool ours = false;
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      if (event->len > 0 && name_ == event->name) ours = true;
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
    if (ours) on_change_();
  }
}

}  // namespace outpost
