#include "deployment_file_watch.h"

#include <spdlog/spdlog.h>

#include "outpost/core/config.h"
#include "system_module.h"

namespace outpost::hub {

DeploymentFileWatch::DeploymentFileWatch(net::EventLoop& loop, std::string file, OnRoutes on_routes)
    : loop_(loop), file_(std::move(file)), on_routes_(std::move(on_routes)), timer_(loop.make_timer()) {
  seen_ = stamp();
  watch_ = std::make_unique<FileWatch>(file_, [this, alive = alive_] {
    loop_.post([this, alive] {
      if (*alive) check();
    });
  });
  if (!watch_->watching()) look_on_a_timer();
}

void DeploymentFileWatch::look_on_a_timer() {
  timer_->start(kFallbackInterval, [this] {
    check();
    look_on_a_timer();
  });
}

DeploymentFileWatch::~DeploymentFileWatch() {
  watch_.reset();  // no more posts from its thread
  *alive_ = false;
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
  const auto now = stamp();
  if (now == seen_) return;  // inotify also reports a create before the write that follows
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
