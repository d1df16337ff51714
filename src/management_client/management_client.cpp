#include "outpost/management_client/management_client.h"

#include <fmt/format.h>

#include "outpost/core/encoding.h"
#include "outpost/core/json.h"
#include "outpost/net/http_fetch.h"

namespace outpost::management {
namespace {

using nlohmann::json;

std::optional<int> exit_code_of(const json& exit_status) {
  const auto code = string_field(exit_status, "statusCode");
  if (code.empty() || code.find_first_not_of("-0123456789") != std::string::npos || code.size() > 10) return std::nullopt;
  return std::stoi(code);
}

ModuleInfo module_info(const json& details) {
  ModuleInfo info;
  info.name = string_field(details, "name");
  const auto& config = object_field(details, "config");
  const auto& settings = object_field(config, "settings");
  info.image = string_field(settings, "image");
  if (const auto& options = object_field(settings, "createOptions"); options.is_object()) info.create_options = options;
  if (const auto env = config.find("env"); env != config.end() && env->is_array())
    for (const auto& item : *env)
      if (item.is_object()) info.env.emplace_back(string_field(item, "key"), string_field(item, "value"));
  const auto& status = object_field(details, "status");
  const auto& runtime_status = object_field(status, "runtimeStatus");
  info.runtime_status = string_field(runtime_status, "status", "unknown");
  info.description = string_field(runtime_status, "description");
  info.start_time = string_field(status, "startTime");
  const auto& exit_status = object_field(status, "exitStatus");
  info.exit_time = string_field(exit_status, "exitTime");
  info.exit_code = exit_code_of(exit_status);
  return info;
}

IdentityInfo identity_info(const json& body) {
  return {string_field(body, "moduleId"), string_field(body, "managedBy"), string_field(body, "generationId")};
}

}  // namespace

json module_spec_json(const ModuleRequest& request) {
  auto env = json::array();
  for (const auto& [key, value] : request.env) env.push_back({{"key", key}, {"value", value}});
  json settings{{"image", request.image}, {"createOptions", request.create_options}};
  if (!request.auth.is_null()) settings["auth"] = request.auth;
  return {{"name", request.name},
          {"type", "docker"},
          {"imagePullPolicy", request.image_pull_policy},
          {"config", {{"settings", settings}, {"env", env}}}};
}

Result<ManagementClient> ManagementClient::create(ManagementClientSettings settings) {
  constexpr std::string_view kUnix = "unix://";
  const std::string_view uri = settings.uri;
  if (uri.substr(0, kUnix.size()) == kUnix) {
    auto path = std::string(uri.substr(kUnix.size()));
    if (path.empty() || path.front() != '/')
      return make_error(fmt::format("management URI '{}': a unix socket needs an absolute path", uri));
    return ManagementClient(std::move(settings), std::move(path), "http://localhost");
  }
  if (uri.substr(0, 7) == "http://" && uri.size() > 7) {
    auto base = std::string(uri);
    while (!base.empty() && base.back() == '/') base.pop_back();
    return ManagementClient(std::move(settings), "", std::move(base));
  }
  return make_error(fmt::format("management URI '{}': expected unix:///<path> or http://<host>:<port>", uri));
}

ManagementClient::ManagementClient(ManagementClientSettings settings, std::string unix_socket, std::string base_url)
    : settings_(std::move(settings)), unix_socket_(std::move(unix_socket)), base_url_(std::move(base_url)) {}

Result<ManagementClient::Reply> ManagementClient::call(std::string_view method, const std::string& path,
                                                       const std::string& query, const json& body) const {
  net::HttpClientOptions options;
  options.unix_socket = unix_socket_;
  options.timeout = settings_.timeout;
  net::Headers headers;
  if (!body.is_null()) headers.emplace_back("Content-Type", "application/json");
  const auto url = base_url_ + path + "?api-version=" + settings_.api_version + (query.empty() ? "" : "&" + query);
  auto reply = net::fetch(method, url, headers, body.is_null() ? "" : body.dump(), options);
  if (!reply) return make_error(ErrorKind::unavailable, fmt::format("management API {} {}: {}", method, path, reply.error()));
  if (reply->status >= 300) {
    auto parsed = parse_json(reply->body);
    const auto message = parsed && parsed->is_object() ? string_field(*parsed, "message") : std::string();
    const auto kind = reply->status == 404 ? ErrorKind::not_found
                      : reply->status >= 500 ? ErrorKind::unavailable
                                             : ErrorKind::invalid_input;
    return make_error(kind, fmt::format("management API {} {}: {} {}", method, path, reply->status,
                                        message.empty() ? reply->body.substr(0, 300) : message));
  }
  return Reply{reply->status, std::move(reply->body)};
}

Status ManagementClient::call_expecting_success(std::string_view method, const std::string& path, const std::string& query,
                                                const json& body) const {
  auto reply = call(method, path, query, body);
  if (!reply) return reply.failure();
  return {};
}

Result<std::vector<ModuleInfo>> ManagementClient::list_modules() const {
  auto reply = call("GET", "/modules");
  if (!reply) return reply.failure();
  auto body = parse_json(reply->body);
  if (!body || !body->is_object() || !(*body)["modules"].is_array())
    return make_error(ErrorKind::invalid_input, "management API GET /modules: the answer has no module list");
  std::vector<ModuleInfo> modules;
  for (const auto& details : (*body)["modules"])
    if (details.is_object()) modules.push_back(module_info(details));
  return modules;
}

Status ManagementClient::create_module(const ModuleRequest& request) const {
  return call_expecting_success("POST", "/modules", "", module_spec_json(request));
}

Status ManagementClient::update_module(const ModuleRequest& request, bool start) const {
  return call_expecting_success("PUT", "/modules/" + url_encode(request.name), start ? "start=true" : "",
                                module_spec_json(request));
}

Status ManagementClient::prepare_update(const ModuleRequest& request) const {
  return call_expecting_success("POST", "/modules/" + url_encode(request.name) + "/prepareupdate", "",
                                module_spec_json(request));
}

Status ManagementClient::start_module(const std::string& name) const {
  return call_expecting_success("POST", "/modules/" + url_encode(name) + "/start");
}
Status ManagementClient::stop_module(const std::string& name) const {
  return call_expecting_success("POST", "/modules/" + url_encode(name) + "/stop");
}
Status ManagementClient::restart_module(const std::string& name) const {
  return call_expecting_success("POST", "/modules/" + url_encode(name) + "/restart");
}
Status ManagementClient::remove_module(const std::string& name) const {
  return call_expecting_success("DELETE", "/modules/" + url_encode(name));
}

Result<std::vector<IdentityInfo>> ManagementClient::list_identities() const {
  auto reply = call("GET", "/identities/");
  if (!reply) return reply.failure();
  auto body = parse_json(reply->body);
  if (!body || !body->is_object() || !(*body)["identities"].is_array())
    return make_error(ErrorKind::invalid_input, "management API GET /identities: the answer has no identity list");
  std::vector<IdentityInfo> identities;
  for (const auto& item : (*body)["identities"])
    if (item.is_object()) identities.push_back(identity_info(item));
  return identities;
}

Result<IdentityInfo> ManagementClient::create_identity(const std::string& module_id, const std::string& managed_by) const {
  return identity_call("POST", "/identities/", module_id, managed_by);
}

// PUT: the daemon also re-syncs the identity with the cloud registry.
Result<IdentityInfo> ManagementClient::update_identity(const std::string& module_id, const std::string& managed_by) const {
  return identity_call("PUT", "/identities/" + url_encode(module_id), module_id, managed_by);
}

Result<IdentityInfo> ManagementClient::identity_call(std::string_view method, const std::string& path,
                                                     const std::string& module_id, const std::string& managed_by) const {
  auto reply = call(method, path, "", json{{"moduleId", module_id}, {"managedBy", managed_by}});
  if (!reply) return reply.failure();
  auto body = parse_json(reply->body);
  if (!body || !body->is_object()) return make_error(ErrorKind::invalid_input, "management API: the identity answer is not JSON");
  return identity_info(*body);
}

Status ManagementClient::delete_identity(const std::string& module_id) const {
  return call_expecting_success("DELETE", "/identities/" + url_encode(module_id));
}

Result<std::string> ManagementClient::module_logs(const std::string& name, const std::string& query) const {
  auto reply = call("GET", "/modules/" + url_encode(name) + "/logs", query);
  if (!reply) return reply.failure();
  return std::move(reply->body);
}

Result<std::string> ManagementClient::support_bundle(const std::string& query) const {
  auto reply = call("GET", "/systeminfo/supportbundle", query);
  if (!reply) return reply.failure();
  return std::move(reply->body);
}

Result<json> ManagementClient::system_info() const {
  auto reply = call("GET", "/systeminfo");
  if (!reply) return reply.failure();
  auto body = parse_json(reply->body);
  if (!body) return make_error(ErrorKind::invalid_input, "management API GET /systeminfo: " + body.error());
  return std::move(*body);
}

}  // namespace outpost::management
