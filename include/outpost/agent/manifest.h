// The deployment manifest: what `$edgeAgent`'s desired properties say the device runs
// (daemon-agent-manifest.md §3), parsed and validated the way IoT Edge's agent does, with its
// status codes, so an invalid manifest is refused with a reason and leaves what runs alone.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "outpost/core/result.h"

namespace outpost::agent {

enum class RestartPolicy { never, on_failure, on_unhealthy, always };
enum class DesiredStatus { running, stopped };
enum class ImagePullPolicy { on_create, never };

std::string_view to_string(RestartPolicy policy);  // "on-failure", as manifests spell it
std::string_view to_string(DesiredStatus status);
std::string_view to_string(ImagePullPolicy policy);

inline constexpr std::uint32_t kDefaultStartupOrder = 4294967295u;

// One module as the manifest wants it (system modules included).
struct ModuleDesired {
  std::string name;  // "edgeAgent", "edgeHub", or the key under `modules`
  std::string version;
  std::string type = "docker";
  DesiredStatus status = DesiredStatus::running;
  RestartPolicy restart_policy = RestartPolicy::on_unhealthy;  // edgeHub: always
  ImagePullPolicy image_pull_policy = ImagePullPolicy::on_create;
  std::uint32_t startup_order = kDefaultStartupOrder;
  std::vector<std::pair<std::string, std::string>> env;  // by name
  std::string image;                                      // a tagless image gets ":latest"
  nlohmann::json create_options = nlohmann::json::object();  // from a string, chunks or an object

  bool operator==(const ModuleDesired&) const = default;
};

struct RegistryCredential {
  std::string name;
  std::string username;
  std::string password;  // never reported, never logged
  std::string address;
  bool operator==(const RegistryCredential&) const = default;
};

struct DeploymentManifest {
  std::string schema_version;  // "1.0" or "1.1"
  std::string min_docker_version;
  std::string logging_options;
  std::vector<RegistryCredential> registry_credentials;  // by name
  ModuleDesired edge_agent;
  std::optional<ModuleDesired> edge_hub;
  std::vector<ModuleDesired> modules;  // by name
  std::int64_t version = 0;            // the desired properties' $version
  bool operator==(const DeploymentManifest&) const = default;
};

// lastDesiredStatus: IoT Edge's codes.
struct ManifestStatus {
  int code = 200;  // 200 ok, 400 format error, 406 unknown, 412 bad schemaVersion, 417 empty, 500 failed
  std::string description;
};

// `$edgeAgent`'s desired properties (a twin's "desired" object, "$version" included).
// 417 when it holds no deployment, 412 for a schemaVersion other than 1.0/1.1, 400 naming the
// field and the problem (e.g. "modules.sensor.restartPolicy: 'on-failured' is not one of
// never, on-failure, on-unhealthy, always").
Result<DeploymentManifest, ManifestStatus> parse_agent_desired(const nlohmann::json& desired);

// A whole deployment as `az iot edge set-modules` and the cloud's applyConfigurationContent
// take it: {"modulesContent": {"$edgeAgent": {"properties.desired": …}, "$edgeHub": …, "<m>": …}}
// (also without the "modulesContent" wrapper). The agent part is parsed as above; the others
// are kept as they are (the hub's and modules' desired properties).
struct Deployment {
  DeploymentManifest agent;
  nlohmann::json edge_hub_desired = nlohmann::json::object();
  std::map<std::string, nlohmann::json> module_desired;  // by module name
};
Result<Deployment, ManifestStatus> parse_deployment(const nlohmann::json& content);

// createOptions as the manifest carries it: an object, or a JSON string, or that string split
// over createOptions, createOptions01 … createOptions99 (contiguous, two digits).
Result<nlohmann::json> read_create_options(const nlohmann::json& settings);

}  // namespace outpost::agent
