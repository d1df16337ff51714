#include "workload_sockets.h"

#include <filesystem>

namespace outpost::daemon {
namespace {

constexpr auto kEveryone = std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                           std::filesystem::perms::group_read | std::filesystem::perms::group_write |
                           std::filesystem::perms::others_read | std::filesystem::perms::others_write;

net::HttpServerOptions workload_options() {
  net::HttpServerOptions options;
  options.max_body_bytes = 64 * 1024;  // sign data, a commonName: small by nature
  options.idle_timeout = std::chrono::seconds(60);
  return options;
}

}  // namespace

WorkloadSockets::WorkloadSockets(net::EventLoop& loop, const WorkloadApi& api, std::string module_folder)
    : loop_(loop), api_(api), module_folder_(std::move(module_folder)) {}

WorkloadSockets::~WorkloadSockets() { stop(); }

std::unique_ptr<net::HttpServer> WorkloadSockets::make_server(const std::string& socket_module) {
  const auto* api = &api_;
  return std::make_unique<net::HttpServer>(
      loop_,
      [api, socket_module](net::HttpRequest&& request, net::HttpResponder responder) {
        api->handle(std::move(request), std::move(responder), socket_module);
      },
      workload_options());
}

Status WorkloadSockets::open_shared(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  auto server = make_server("");
  if (auto ok = server->listen_unix(path, kEveryone); !ok) return ok;
  shared_ = std::move(server);
  return {};
}

Status WorkloadSockets::open_for_module(const std::string& name) {
  if (modules_.count(name)) return {};
  std::error_code ec;
  std::filesystem::create_directories(module_folder_, ec);
  auto server = make_server(name);
  if (auto ok = server->listen_unix(module_socket_path(name), kEveryone); !ok) return ok;
  modules_[name] = std::move(server);
  return {};
}

void WorkloadSockets::close_for_module(const std::string& name) {
  const auto it = modules_.find(name);
  if (it == modules_.end()) return;
  it->second->stop();
  modules_.erase(it);
}

void WorkloadSockets::stop() {
  for (auto& [name, server] : modules_) server->stop();
  modules_.clear();
  if (shared_) shared_->stop();
  shared_.reset();
}

}  // namespace outpost::daemon
