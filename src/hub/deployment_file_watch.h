// On a device with no cloud, the hub's routes and store settings come from the local
// deployment file the agent runs (`outpost deployment apply` writes it): this hands each new
// $edgeHub part to the hub as soon as the file changes (core's FileWatch; on a timer only where
// inotify is not available). A file that does not parse, or has no $edgeHub part, is logged and
// the running routes stay.
//
// Threading: its methods and `on_routes` run on the loop thread.
#pragma once
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "outpost/core/file_watch.h"
#include "outpost/net/event_loop.h"
#include "outpost/routing/edgehub_config.h"

namespace outpost::hub {

class DeploymentFileWatch {
 public:
  using OnRoutes = std::function<void(routing::EdgeHubConfig)>;
  // The file as it is now was already read at startup: only later changes are handed over.
  DeploymentFileWatch(net::EventLoop& loop, std::string file, OnRoutes on_routes);
  ~DeploymentFileWatch();
  // Versions of the file refused (no $edgeHub part, or one that does not parse).
  std::size_t refused() const { return refused_; }

  static constexpr std::chrono::milliseconds kFallbackInterval{2000};  // without inotify

 private:
  struct Stamp {
    std::filesystem::file_time_type modified{};
    std::uintmax_t size = 0;
    bool operator==(const Stamp&) const = default;
  };
  Stamp stamp() const;
  void check();  // reads the file if it changed since the last look
  void look_on_a_timer();

  net::EventLoop& loop_;
  std::string file_;
  OnRoutes on_routes_;
  std::unique_ptr<net::Timer> timer_;
  Stamp seen_;
  std::size_t refused_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for what the watch posted
  std::unique_ptr<FileWatch> watch_;
};

}  // namespace outpost::hub
