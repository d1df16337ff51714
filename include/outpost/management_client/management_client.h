// A client of IoT Edge's management API (what outpostd and aziot-edged serve on
// IOTEDGE_MANAGEMENTURI): the modules the runtime runs, their identities, their logs, the
// system's facts. Used by the agent (which alone may change modules) and the CLI. Blocking
// calls on net::fetch (Beast); stateless, so safe from any thread.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "outpost/core/result.h"

namespace outpost::management {

// What the runtime says of a module (ModuleDetails).
struct ModuleInfo {
  std::string name;
  std::string image;  // as the agent asked for it
  nlohmann::json create_options = nlohmann::json::object();
  std::vector<std::pair<std::string, std::string>> env;
  std::string runtime_status;  // running, stopped, failed, unhealthy, dead, unknown
  std::string description;
  std::string start_time;  // RFC 3339, empty if never started
  std::string exit_time;
  std::optional<int> exit_code;
};

// A module as the agent asks for it (ModuleSpec).
struct ModuleRequest {
  std::string name;
  std::string image;
  nlohmann::json create_options = nlohmann::json::object();
  std::vector<std::pair<std::string, std::string>> env;
  std::string image_pull_policy = "on-create";
  nlohmann::json auth;  // {"username","password","serveraddress"} or null
};
nlohmann::json module_spec_json(const ModuleRequest& request);

struct IdentityInfo {
  std::string module_id;
  std::string managed_by;
  std::string generation_id;
};

struct ManagementClientSettings {
  std::string uri;  // unix:///var/run/iotedge/mgmt.sock or http://host:port
  std::string api_version = "2020-07-07";
  std::chrono::milliseconds timeout{60000};  // creating a container may pull an image
};

class ManagementClient {
 public:
  // Errors name a bad URI.
  static Result<ManagementClient> create(ManagementClientSettings settings);

  Result<std::vector<ModuleInfo>> list_modules() const;
  Status create_module(const ModuleRequest& request) const;
  Status update_module(const ModuleRequest& request, bool start) const;
  Status prepare_update(const ModuleRequest& request) const;
  Status start_module(const std::string& name) const;
  Status stop_module(const std::string& name) const;
  Status restart_module(const std::string& name) const;
  Status remove_module(const std::string& name) const;  // not_found when it is not there

  Result<std::vector<IdentityInfo>> list_identities() const;
  Result<IdentityInfo> create_identity(const std::string& module_id, const std::string& managed_by) const;
  Result<IdentityInfo> update_identity(const std::string& module_id, const std::string& managed_by) const;
  Status delete_identity(const std::string& module_id) const;

  // GET /modules/{name}/logs?tail=…&since=… : the raw log stream (Docker's framing).
  Result<std::string> module_logs(const std::string& name, const std::string& query) const;
  Result<nlohmann::json> system_info() const;
  // GET /systeminfo/supportbundle?since=…&until=…&edge_runtime_only=… : a zip file.
  Result<std::string> support_bundle(const std::string& query) const;

 private:
  struct Reply {
    long status = 0;
    std::string body;
  };
  explicit ManagementClient(ManagementClientSettings settings, std::string unix_socket, std::string base_url);
  Result<Reply> call(std::string_view method, const std::string& path, const std::string& query = {},
                     const nlohmann::json& body = nullptr) const;
  Result<IdentityInfo> identity_call(std::string_view method, const std::string& path, const std::string& module_id,
                                    const std::string& managed_by) const;
  Status call_expecting_success(std::string_view method, const std::string& path, const std::string& query = {},
                                const nlohmann::json& body = nullptr) const;

  ManagementClientSettings settings_;
  std::string unix_socket_;
  std::string base_url_;
};

}  // namespace outpost::management
