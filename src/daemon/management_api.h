// The management API, as IoT Edge serves it (reference: daemon-agent-manifest.md §2): the
// agent lists, creates, updates, starts, stops and removes modules and their identities
// here; operators read status, logs and system information. Transport-free, like the
// workload API: it answers an HttpRequest through an HttpResponder; runtime calls go
// through the RuntimeWorker, never on the loop.
//
// Only the agent may change modules and identities (create, update, delete,
// prepareupdate, identities): the caller's PID must be one of the agent's processes, else
// 403. start/stop/restart and everything that reads are open to any local caller who can
// reach the socket (its file mode decides: 0660, root and the socket's group).
#pragma once
#include <functional>
#include <string>

#include "identity_store.h"
#include "module_details.h"
#include "outpost/net/http_server.h"
#include "outpost/runtime/module_runtime.h"
#include "runtime_worker.h"

namespace outpost::daemon {

struct ManagementSettings {
  std::string agent_name = "edgeAgent";  // the agent's runtime name
  std::string provisioning_type = "manual";
  std::string version;                   // Outpost's version, for systeminfo
  std::chrono::seconds stop_grace{30};
};

// Makes the runtime's spec for a requested module: resolves the image, injects the IOTEDGE_*
// environment for its identity, opens its workload socket. Runs on the loop.
using PrepareModule = std::function<Result<runtime::ModuleSpec>(const RequestedModule&, const StoredIdentity&)>;
// Closes what PrepareModule opened, once the module is removed.
using ReleaseModule = std::function<void(const std::string& name)>;

class ManagementApi {
 public:
  ManagementApi(ManagementSettings settings, RuntimeWorker& worker, runtime::ModuleRuntime& runtime,
                IdentityStore& identities, PrepareModule prepare, ReleaseModule release);

  void handle(net::HttpRequest&& request, net::HttpResponder responder);
  // provisioning: local — the device-scope API for the hub (local_device_scope.h).
  using DeviceScope = std::function<net::HttpResponse(const net::HttpRequest&)>;
  void set_device_scope(DeviceScope scope) { device_scope_ = std::move(scope); }

  // GET /modules's answer (the workload API serves it too).
  void list(std::function<void(net::HttpResponse)> reply) { list_modules(reply); }

 private:
  using Reply = std::function<void(net::HttpResponse)>;
  // Runs `then` when the caller is the agent; answers 403 otherwise.
  void as_agent(const net::HttpRequest& request, const Reply& reply, std::function<void()> then);

  Result<runtime::ModuleSpec> runtime_spec(const nlohmann::json& body, const std::optional<std::string>& url_name);
  void list_modules(const Reply& reply);
  void get_module(const std::string& name, const Reply& reply);
  void create_module(const nlohmann::json& body, const Reply& reply);
  void update_module(const std::string& name, const nlohmann::json& body, bool start, const Reply& reply);
  void delete_module(const std::string& name, const Reply& reply);
  void prepare_update(const std::string& name, const nlohmann::json& body, const Reply& reply);
  void module_action(const std::string& name, const std::string& action, const Reply& reply);
  void module_logs(const std::string& name, const net::HttpRequest& request, const Reply& reply);
  void follow_logs(const std::string& name, const net::HttpRequest& request, net::HttpResponder responder);
  std::optional<runtime::LogOptions> log_options(const net::HttpRequest& request, const Reply& reply);
  void identities(const net::HttpRequest& request, const std::vector<std::string>& path, const Reply& reply);
  void support_bundle(const net::HttpRequest& request, const Reply& reply);
  nlohmann::json system_info_json() const;
  nlohmann::json resources_json() const;

  ManagementSettings settings_;
  RuntimeWorker& worker_;
  runtime::ModuleRuntime& runtime_;
  IdentityStore& identities_;
  PrepareModule prepare_;
  ReleaseModule release_;
  std::int64_t started_at_;
  DeviceScope device_scope_;
};

// Docker's log stream framing, as IoT Edge passes it through: [1=stdout][0 0 0][u32 BE length]
// then the bytes, one frame per line.
std::string docker_log_frames(const std::string& text);

// "123", "all"; RFC 3339, unix seconds or a duration ("90m", "1 day") meaning now minus it.
std::optional<std::size_t> parse_tail(const std::string& text, bool& valid);
std::optional<std::int64_t> parse_log_time(const std::string& text, std::int64_t now);

}  // namespace outpost::daemon
