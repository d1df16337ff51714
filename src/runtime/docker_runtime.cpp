#include "outpost/runtime/docker_runtime.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "docker_engine.h"
#include "outpost/core/encoding.h"
#include "outpost/core/json.h"
#include "outpost/net/http_fetch.h"

namespace outpost::runtime {

using nlohmann::json;

namespace {

constexpr const char* kOwnerLabel = "net.azure-devices.edge.owner";
constexpr const char* kInstanceLabel = "net.outpost.instance";
constexpr const char* kOwner = "Microsoft.Azure.Devices.Edge.Agent";

std::string query_escape(const std::string& text) { return url_encode(text); }

// The Engine's error message ({"message": ...}) or the status.
std::string engine_message(long status, const std::string& body) {
  const auto parsed = parse_json(body);
  if (parsed && parsed->is_object() && (*parsed)["message"].is_string()) return (*parsed)["message"].get<std::string>();
  return fmt::format("HTTP {}", status);
}

}  // namespace

struct DockerRuntime::Reply {
  long status = 0;
  std::string body;
};

DockerRuntime::DockerRuntime(DockerRuntimeOptions options) : options_(std::move(options)) {}

bool DockerRuntime::engine_answers(const std::string& socket) {
  net::HttpClientOptions options;
  options.unix_socket = socket;
  options.timeout = std::chrono::seconds(2);
  const auto reply = net::fetch("GET", "http://docker/_ping", {}, {}, options);
  return reply && reply->status == 200;
}

Result<DockerRuntime::Reply> DockerRuntime::call(const std::string& method, const std::string& path,
                                                 const std::string& body,
                                                 std::vector<std::pair<std::string, std::string>> headers,
                                                 std::chrono::seconds timeout) {
  net::HttpClientOptions options;
  options.unix_socket = options_.socket;
  options.timeout = timeout.count() > 0 ? timeout : options_.timeout;
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  auto reply = net::fetch(method, "http://docker" + path, headers, body, options);
  if (!reply) return make_error(ErrorKind::unavailable, "Docker engine: " + reply.error());
  return Reply{reply->status, std::move(reply->body)};
}

Result<json> DockerRuntime::inspect_owned(const std::string& name) {
  auto reply = call("GET", "/containers/" + query_escape(name) + "/json");
  if (!reply) return reply.failure();
  if (reply->status == 404) return make_error(ErrorKind::not_found, fmt::format("module '{}' not found", name));
  if (reply->status != 200)
    return make_error(ErrorKind::unavailable, fmt::format("inspect {}: {}", name, engine_message(reply->status, reply->body)));
  auto parsed = parse_json(reply->body);
  if (!parsed || !parsed->is_object()) return make_error(ErrorKind::unavailable, "inspect " + name + ": not JSON");
  const auto& labels = object_field(object_field(*parsed, "Config"), "Labels");
  if (string_field(labels, kOwnerLabel) != kOwner)
    return make_error(ErrorKind::not_found,
                      fmt::format("container '{}' is not an Outpost module (no owner label): left alone", name));
  if (!options_.instance.empty() && string_field(labels, kInstanceLabel) != options_.instance)
    return make_error(ErrorKind::not_found,
                      fmt::format("container '{}' belongs to another Outpost device ({}): left alone", name,
                                  string_field(labels, kInstanceLabel, "none")));
  return std::move(*parsed);
}

Status DockerRuntime::ensure_network() {
  auto reply = call("GET", "/networks/" + query_escape(options_.network));
  if (!reply) return reply.failure();
  if (reply->status == 200) return {};
  const json body{{"Name", options_.network}, {"CheckDuplicate", true}};
  reply = call("POST", "/networks/create", body.dump());
  if (!reply) return reply.failure();
  if (reply->status != 201 && reply->status != 409)
    return make_error(ErrorKind::unavailable,
                      fmt::format("network {}: {}", options_.network, engine_message(reply->status, reply->body)));
  spdlog::info("docker runtime: created network '{}'", options_.network);
  return {};
}

Status DockerRuntime::ensure_image(const std::string& image, const std::string& policy, const json& auth) {
  // Image references hold only [a-z0-9._/:@-]: they go into the path as they are.
  auto local = call("GET", "/images/" + image + "/json");
  if (!local) return local.failure();
  const bool present = local->status == 200;
  if (policy == "never") {
    if (present) return {};
    return make_error(ErrorKind::not_found, fmt::format("image '{}' is not on this device and imagePullPolicy is never", image));
  }
  std::vector<std::pair<std::string, std::string>> headers;
  if (auth.is_object()) headers.emplace_back("X-Registry-Auth", registry_auth_header(auth));
  auto pulled = call("POST", "/images/create?fromImage=" + query_escape(image), {}, headers, options_.timeout * 10);
  // The pull streams JSON objects; an errorDetail in any of them means it failed.
  std::string error;
  if (!pulled) error = pulled.error();
  else if (pulled->status != 200) error = engine_message(pulled->status, pulled->body);
  else if (const auto at = pulled->body.find("\"errorDetail\""); at != std::string::npos) error = pulled->body.substr(at, 300);
  if (error.empty()) return {};
  if (present) {
    spdlog::warn("docker runtime: pulling '{}' failed ({}); using the image on this device", image, error);
    return {};
  }
  return make_error(ErrorKind::unavailable, fmt::format("image '{}' is not on this device and cannot be pulled: {}", image, error));
}

Status DockerRuntime::create(const ModuleSpec& spec) {
  if (auto ok = ensure_network(); !ok) return ok;
  if (auto ok = ensure_image(spec.image, spec.image_pull_policy, spec.registry_auth); !ok) return ok;
  auto body = container_create_body(spec, options_.network);
  body["Labels"][kOwnerLabel] = kOwner;
  if (!options_.instance.empty()) body["Labels"][kInstanceLabel] = options_.instance;
  auto reply = call("POST", "/containers/create?name=" + query_escape(spec.name), body.dump());
  if (!reply) return reply.failure();
  if (reply->status == 409)
    return make_error(ErrorKind::invalid_input, fmt::format("module '{}' already exists", spec.name));
  if (reply->status != 201)
    return make_error(reply->status == 400 ? ErrorKind::invalid_input : ErrorKind::unavailable,
                      fmt::format("create {}: {}", spec.name, engine_message(reply->status, reply->body)));
  return {};
}

Status DockerRuntime::prepare(const ModuleSpec& spec) {
  return ensure_image(spec.image, spec.image_pull_policy, spec.registry_auth);
}

Status DockerRuntime::start(const std::string& name) {
  if (auto owned = inspect_owned(name); !owned) return owned.failure();
  auto reply = call("POST", "/containers/" + query_escape(name) + "/start");
  if (!reply) return reply.failure();
  if (reply->status == 204 || reply->status == 304) return {};
  return make_error(ErrorKind::unavailable, fmt::format("start {}: {}", name, engine_message(reply->status, reply->body)));
}

Status DockerRuntime::stop(const std::string& name, std::chrono::seconds grace) {
  if (auto owned = inspect_owned(name); !owned) return owned.failure();
  auto reply = call("POST", fmt::format("/containers/{}/stop?t={}", query_escape(name), grace.count()), {}, {},
                    options_.timeout + grace);
  if (!reply) return reply.failure();
  if (reply->status == 204 || reply->status == 304) return {};
  return make_error(ErrorKind::unavailable, fmt::format("stop {}: {}", name, engine_message(reply->status, reply->body)));
}

Status DockerRuntime::signal_stop(const std::string& name) {
  if (auto owned = inspect_owned(name); !owned) return owned.failure();
  auto reply = call("POST", fmt::format("/containers/{}/kill?signal=SIGTERM", query_escape(name)));
  if (!reply) return reply.failure();
  // 409: not running (already stopped): nothing to signal.
  if (reply->status == 204 || reply->status == 409) return {};
  return make_error(ErrorKind::unavailable, fmt::format("signal {}: {}", name, engine_message(reply->status, reply->body)));
}

Status DockerRuntime::remove(const std::string& name) {
  if (auto owned = inspect_owned(name); !owned) return owned.failure();
  auto reply = call("DELETE", "/containers/" + query_escape(name) + "?v=false&force=true");
  if (!reply) return reply.failure();
  if (reply->status == 204 || reply->status == 404) return {};
  return make_error(ErrorKind::unavailable, fmt::format("remove {}: {}", name, engine_message(reply->status, reply->body)));
}

Result<ModuleStatus> DockerRuntime::status(const std::string& name) {
  auto inspect = inspect_owned(name);
  if (!inspect) return inspect.failure();
  auto s = status_from_inspect(name, *inspect);
  if (const auto spec = spec_from_labels(*inspect)) s.image = spec->image;
  return s;
}

Result<std::vector<ModuleStatus>> DockerRuntime::list() {
  json filters{{"label", {std::string(kOwnerLabel) + "=" + kOwner}}};
  if (!options_.instance.empty()) filters["label"].push_back(std::string(kInstanceLabel) + "=" + options_.instance);
  auto reply = call("GET", "/containers/json?all=true&filters=" + query_escape(filters.dump()));
  if (!reply) return reply.failure();
  const auto parsed = parse_json(reply->body);
  if (reply->status != 200 || !parsed || !parsed->is_array())
    return make_error(ErrorKind::unavailable, "list containers: " + engine_message(reply->status, reply->body));
  std::vector<ModuleStatus> out;
  for (const auto& container : *parsed) {
    const auto names = container.is_object() && container.contains("Names") ? container["Names"] : json::array();
    if (!names.is_array() || names.empty() || !names[0].is_string()) continue;
    auto name = names[0].get<std::string>();
    if (!name.empty() && name[0] == '/') name.erase(0, 1);
    if (auto s = status(name)) out.push_back(std::move(*s));
  }
  return out;
}

Result<ModuleSpec> DockerRuntime::spec(const std::string& name) {
  auto inspect = inspect_owned(name);
  if (!inspect) return inspect.failure();
  auto spec = spec_from_labels(*inspect);
  if (!spec) return make_error(ErrorKind::not_found, fmt::format("module '{}' was not created by Outpost", name));
  return std::move(*spec);
}

bool DockerRuntime::owns_process(const std::string& name, std::int64_t pid) {
  if (!inspect_owned(name)) return false;
  auto reply = call("GET", "/containers/" + query_escape(name) + "/top");
  if (!reply || reply->status != 200) return false;
  const auto parsed = parse_json(reply->body);
  if (!parsed) return false;
  const auto pids = pids_from_top(*parsed);
  return std::find(pids.begin(), pids.end(), pid) != pids.end();
}

Result<std::string> DockerRuntime::logs(const std::string& name, const LogOptions& options) {
  if (auto owned = inspect_owned(name); !owned) return owned.failure();
  std::string query = "stdout=true&stderr=true";
  if (options.tail) query += fmt::format("&tail={}", *options.tail);
  if (options.since) query += fmt::format("&since={}", *options.since);
  if (options.until) query += fmt::format("&until={}", *options.until);
  if (options.timestamps) query += "&timestamps=true";
  auto reply = call("GET", "/containers/" + query_escape(name) + "/logs?" + query);
  if (!reply) return reply.failure();
  if (reply->status != 200)
    return make_error(ErrorKind::unavailable, fmt::format("logs {}: {}", name, engine_message(reply->status, reply->body)));
  return demultiplex_logs(reply->body);
}

}  // namespace outpost::runtime
