// The workload API's unix sockets: the shared one (connect.workload_uri, for modules older
// than per-module sockets) and one per module at <homedir>/mnt/<module>.sock, opened before
// the module starts and removed with it. Each socket tells the API whose it is, so a module's
// socket serves that module only. Mode 0666 as IoT Edge's: who may do what is decided by the
// caller's PID, not by file permissions (containers run as any user).
#pragma once
#include <map>
#include <memory>
#include <string>

#include "outpost/core/result.h"
#include "outpost/net/http_server.h"
#include "workload_api.h"

namespace outpost::daemon {

class WorkloadSockets {
 public:
  WorkloadSockets(net::EventLoop& loop, const WorkloadApi& api, std::string module_folder);
  ~WorkloadSockets();

  Status open_shared(const std::string& path);
  // `name`: the runtime name ("edgeHub"). Opening an open socket again is a no-op.
  Status open_for_module(const std::string& name);
  void close_for_module(const std::string& name);
  std::string module_socket_path(const std::string& name) const { return module_folder_ + "/" + name + ".sock"; }
  void stop();

 private:
  std::unique_ptr<net::HttpServer> make_server(const std::string& socket_module);
  net::EventLoop& loop_;
  const WorkloadApi& api_;
  std::string module_folder_;
  std::unique_ptr<net::HttpServer> shared_;
  std::map<std::string, std::unique_ptr<net::HttpServer>> modules_;
};

}  // namespace outpost::daemon
