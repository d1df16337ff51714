// On a device with no cloud, the hub's routes and store settings come from the local
// deployment file the agent runs (`outpost deployment apply` writes it): this checks the file
// every 2 s and hands each new $edgeHub part to the hub. A file that does not parse, or has
// no $edgeHub part, is logged and the running routes stay.
//
// Threading: loop thread only.
#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "outpost/net/event_loop.h"
#include "outpost/routing/edgehub_config.h"

namespace outpost::hub {

class DeploymentFileWatch {
 public:
  using OnRoutes = std::function<void(routing::EdgeHubConfig)>;
  // The file as it is now was already read at startup: only later changes are handed over.
  DeploymentFileWatch(net::EventLoop& loop, std::string file, OnRoutes on_routes,
                      std::chrono::milliseconds interval = std::chrono::milliseconds(2000));
  // Versions of the file refused (no $edgeHub part, or one that does not parse).
  std::size_t refused() const { return refused_; }

 private:
  struct Stamp {
    std::filesystem::file_time_type modified{};
    std::uintmax_t size = 0;
    bool operator==(const Stamp&) const = default;
  };
  Stamp stamp() const;
  void check();

  std::string file_;
  OnRoutes on_routes_;
  std::chrono::milliseconds interval_;
  std::unique_ptr<net::Timer> timer_;
  Stamp seen_;
  std::size_t refused_ = 0;
};

}  // namespace outpost::hub
