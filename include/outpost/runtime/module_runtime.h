// What runs modules: the Docker runtime (containers through the Engine REST API) and the
// process runtime (children of the daemon), behind one interface so the daemon and its
// management API do not care which. Shapes follow IoT Edge's management API (reference:
// daemon-agent-manifest.md §2): a module is created stopped, then started; its status is
// running / stopped / failed / dead / unknown, with exit code and times.
//
// Calls block (a process fork, a REST call to dockerd): the daemon makes them from one
// runtime thread, never from its event loop.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "outpost/core/result.h"

namespace outpost::runtime {

struct ModuleSpec {
  std::string name;   // "edgeAgent", "edgeHub", "filter": also the container / process name
  std::string image;  // as this device runs it: "process:///usr/bin/outpost-hub" or "outpost/hub:latest"
  std::vector<std::pair<std::string, std::string>> env;  // the module's environment (IOTEDGE_* included)
  nlohmann::json create_options = nlohmann::json::object();  // Docker's ContainerCreate body
  std::vector<std::pair<std::string, std::string>> labels;
  // Docker only: pull the image at create ("on-create") or never ("never"), with these
  // registry credentials ({"username","password","serveraddress"}) when set.
  std::string image_pull_policy = "on-create";
  nlohmann::json registry_auth;
};

// unhealthy: running, but its Docker HEALTHCHECK fails (the agent acts on it).
enum class ModuleState { running, unhealthy, stopped, failed, dead, unknown };
const char* to_string(ModuleState state);

struct ModuleStatus {
  std::string name;
  std::string image;
  ModuleState state = ModuleState::unknown;
  std::string description;              // why, when there is something to say
  std::optional<std::int64_t> start_time;  // unix seconds
  std::optional<std::int64_t> exit_time;
  std::optional<int> exit_code;
  std::int64_t pid = 0;  // the module's main process while running, else 0
};

struct LogOptions {
  std::optional<std::size_t> tail;     // the last N lines; all when absent
  std::optional<std::int64_t> since;   // unix seconds
  std::optional<std::int64_t> until;
  bool timestamps = false;
};

class ModuleRuntime {
 public:
  virtual ~ModuleRuntime() = default;
  virtual const char* kind() const = 0;  // "process" or "docker"

  // Creates the module stopped; an existing module of that name is an error (remove it first).
  virtual Status create(const ModuleSpec& spec) = 0;
  virtual Status start(const std::string& name) = 0;
  // SIGTERM (Docker: stop), then SIGKILL once `grace` has passed.
  virtual Status stop(const std::string& name, std::chrono::seconds grace) = 0;
  // SIGTERM, and return at once (the caller watches status() and calls stop() to end it):
  // for a module that needs others to be served while it stops — the agent.
  virtual Status signal_stop(const std::string& name) = 0;
  virtual Status remove(const std::string& name) = 0;  // stops it first if running
  // Gets what `spec` needs before an update (Docker: pulls its image); the module is untouched.
  virtual Status prepare(const ModuleSpec& spec) = 0;

  virtual Result<ModuleStatus> status(const std::string& name) = 0;  // not_found when unknown
  virtual Result<std::vector<ModuleStatus>> list() = 0;
  virtual Result<ModuleSpec> spec(const std::string& name) = 0;

  // Whether process `pid` belongs to module `name` (its container, or its process tree): the
  // workload API's "a module acts only as itself".
  virtual bool owns_process(const std::string& name, std::int64_t pid) = 0;

  // The module's output so far (stdout and stderr, in order), as text lines.
  virtual Result<std::string> logs(const std::string& name, const LogOptions& options) = 0;

  // Housekeeping the daemon runs every second or so: reaps exited children, caps log files.
  virtual void tick() {}
};

}  // namespace outpost::runtime
