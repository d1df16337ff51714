// outpostd put together: keys, edge CA, module identities, the runtime, the workload
// sockets and the agent's watchdog, on one event loop. main.cpp parses the command line and
// runs it; tests run it in process.
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon_config.h"
#include "identity_store.h"
#include "module_details.h"
#include "module_env.h"
#include "outpost/core/result.h"
#include "outpost/net/event_loop.h"

namespace outpost::daemon {

class Daemon {
 public:
  // `bin_dir`: where Outpost's programs are (the images table's defaults point there).
  Daemon(net::EventLoop& loop, DaemonConfig config, std::string bin_dir);
  ~Daemon();

  // Prepares homedir, opens the keys, the CA, the identities and the runtime, binds the
  // sockets and boots the agent. An error says what could not be done; nothing keeps running.
  Status start();
  // Stops the agent — SIGTERM, then up to 30 s in which it stops its modules through the
  // management API, which goes on serving it — then closes the sockets; `stopped` runs on
  // the loop when all is done. The destructor stops at once if stop() was not called.
  void stop(std::function<void()> stopped);
  // `on_gave_up` runs when the watchdog gives up on the agent.
  void on_gave_up(std::function<void()> callback);

  // For --ready-file: {"workload": path, "management": path, "runtime": "process"}.
  nlohmann::json ready_info() const;

  struct Parts;

 private:
  void tick();
  void wait_for_agent(std::chrono::steady_clock::time_point deadline, std::function<void()> stopped);
  void finish_stop();
  Status connect_cloud_registry(const std::string& trusted_cas);
  // The runtime's spec for a module the agent (or the daemon, for the agent) asks for.
  Result<runtime::ModuleSpec> prepare_module(const DeviceContext& device, const RequestedModule& requested,
                                             const StoredIdentity& identity);
  net::EventLoop& loop_;
  DaemonConfig config_;
  std::string bin_dir_;
  std::unique_ptr<Parts> parts_;
};

// The folder the running executable is in (/proc/self/exe).
std::string executable_folder();

}  // namespace outpost::daemon
