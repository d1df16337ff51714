#include "deployment_file_watch.h"

#include <spdlog/spdlog.h>

#include "outpost/core/config.h"
#include "system_module.h"

namespace outpost::hub {

DeploymentFileWatch::DeploymentFileWatch(net::EventLoop& loop, std::string file, OnRoutes on_routes,
                                         std::chrono::milliseconds interval)
    : file_(std::move(file)), on_routes_(std::move(on_routes)), interval_(interval), timer_(loop.make_timer()) {
  seen_ = stamp();
  timer_->start(interval_, [this] { check(); });
}

DeploymentFileWatch::Stamp DeploymentFileWatch::stamp() const {
  std::error_code ec;
  Stamp s;
  s.modified = std::filesystem::last_write_time(file_, ec);
  if (ec) return {};
  s.size = std::filesystem::file_size(file_, ec);
  return ec ? Stamp{} : s;
}

void DeploymentFileWatch::check() {
  timer_->start(interval_, [this] { check(); });
  const auto now = stamp();
  if (now == seen_) return;
  seen_ = now;
  if (now == Stamp{}) return;  // removed: the running routes stay
  try {
    auto routes = load_deployment_routes(file_);
    if (!routes) {
      ++refused_;
      spdlog::warn("hub: {} has no $edgeHub part; keeping the running routes", file_);
      return;
    }
    spdlog::info("hub: routes from {} ({} routes)", file_, routes->route_table.size());
    on_routes_(std::move(*routes));
  } catch (const std::exception& e) {
    ++refused_;
    spdlog::error("hub: {} refused, keeping the running routes: {}", file_, e.what());
  }
}

}  // namespace outpost::hub
