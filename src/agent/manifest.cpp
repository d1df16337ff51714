// The deployment manifest (daemon-agent-manifest.md §3) read the way IoT Edge's agent reads it
// (edge-agent: EdgeAgentConnection, DeploymentConfig, DockerRuntimeInfo, RegistryCredentials),
// with its lastDesiredStatus codes: 417 when there is no deployment, 412 for a schemaVersion it
// does not read, else 400 listing every problem, each "path: what is wrong" (IoT Edge names only
// the first, in .NET's words). Unknown keys are ignored, as IoT Edge ignores them (forward
// compatibility). Absent and null are the same everywhere: a twin cannot hold null.
// One module: module_spec.cpp; createOptions: create_options.cpp.
#include "outpost/agent/manifest.h"

#include <algorithm>
#include <limits>
#include <string_view>

#include "manifest_internal.h"
#include "outpost/core/json.h"

namespace outpost::agent {

using nlohmann::json;
using namespace manifest_detail;

std::string_view to_string(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::never: return "never";
    case RestartPolicy::on_failure: return "on-failure";
    case RestartPolicy::on_unhealthy: return "on-unhealthy";
    case RestartPolicy::always: return "always";
  }
  return "on-unhealthy";
}

std::string_view to_string(DesiredStatus status) { return status == DesiredStatus::stopped ? "stopped" : "running"; }

std::string_view to_string(ImagePullPolicy policy) { return policy == ImagePullPolicy::never ? "never" : "on-create"; }

namespace {

template <typename Predicate>
bool has_key(const json& object, Predicate predicate) {
  for (auto item = object.begin(); item != object.end(); ++item)
    if (predicate(item.key())) return true;
  return false;
}

bool valid_module_name(std::string_view name) {
  // ^[a-zA-Z0-9_-]+$, and at most IoT Hub's 128 characters for a module identity.
  return !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

void read_runtime(const json& desired, DeploymentManifest& manifest, Problems& problems) {
  const json* runtime = field(desired, "runtime");
  if (runtime == nullptr) return problems.add("runtime", "missing ({\"type\": \"docker\", \"settings\": {…}})");
  if (!runtime->is_object())
    return problems.add("runtime", fmt::format("must be an object, found {}", describe(*runtime)));
  const json* type = field(*runtime, "type");
  if (type == nullptr)
    problems.add("runtime.type", "missing (\"docker\")");
  else if (!type->is_string() || type->get_ref<const std::string&>() != "docker")
    problems.add("runtime.type", fmt::format("{} is not a runtime this agent knows (\"docker\")", describe(*type)));
  const json* settings = field(*runtime, "settings");  // optional: IoT Edge defaults it
  if (settings == nullptr) return;
  if (!settings->is_object())
    return problems.add("runtime.settings", fmt::format("must be an object, found {}", describe(*settings)));
  for (auto [key, out] : {std::pair{"minDockerVersion", &manifest.min_docker_version},
                          std::pair{"loggingOptions", &manifest.logging_options}}) {
    if (const json* value = field(*settings, key)) {  // only stored and reported back
      if (value->is_string())
        *out = value->get<std::string>();
      else
        problems.add(fmt::format("runtime.settings.{}", key),
                     fmt::format("must be a string, found {}", describe(*value)));
    }
  }
  const json* credentials = field(*settings, "registryCredentials");
  if (credentials == nullptr) return;
  if (!credentials->is_object())
    return problems.add("runtime.settings.registryCredentials",
                        fmt::format("must be an object, found {}", describe(*credentials)));
  for (auto item = credentials->begin(); item != credentials->end(); ++item) {
    const std::string path = "runtime.settings.registryCredentials." + printable(item.key());
    if (!item->is_object()) {
      problems.add(path, "must be an object {\"username\", \"password\", \"address\"}");
      continue;
    }
    RegistryCredential credential{item.key(), {}, {}, {}};
    bool complete = true;
    // All three required and not blank (IoT Edge's RegistryCredentials). Never quote a value here:
    // it could be the password.
    for (auto [key, out] : {std::pair{"username", &credential.username}, std::pair{"password", &credential.password},
                            std::pair{"address", &credential.address}}) {
      const json* value = field(*item, key);
      const bool usable = value != nullptr && value->is_string() &&
                          value->get_ref<const std::string&>().find_first_not_of(" \t\r\n") != std::string::npos;
      if (usable)
        *out = value->get<std::string>();
      else
        problems.add(fmt::format("{}.{}", path, key), value == nullptr ? "missing" : "must be a non-empty string");
      complete = complete && usable;
    }
    if (complete) manifest.registry_credentials.push_back(std::move(credential));
  }
  std::sort(manifest.registry_credentials.begin(), manifest.registry_credentials.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
}

void read_modules(const json& desired, DeploymentManifest& manifest, Problems& problems) {
  const json& system = *field(desired, "systemModules");  // present: checked for 417
  if (!system.is_object())
    return problems.add("systemModules", fmt::format("must be an object, found {}", describe(system)));
  // edgeAgent is required: every manifest names the agent's image (IoT Edge would take one
  // without, and never update itself). edgeHub may be left out: a device with no hub.
  if (const json* agent = field(system, "edgeAgent"))
    manifest.edge_agent = read_module(*agent, "edgeAgent", "systemModules.edgeAgent", ModuleRole::agent, problems);
  else
    problems.add("systemModules.edgeAgent", "missing (it names the agent's image)");
  if (const json* hub = field(system, "edgeHub"))
    manifest.edge_hub = read_module(*hub, "edgeHub", "systemModules.edgeHub", ModuleRole::hub, problems);

  const json* modules = field(desired, "modules");
  if (modules == nullptr) return;
  if (!modules->is_object())
    return problems.add("modules", fmt::format("must be an object, found {}", describe(*modules)));
  for (auto item = modules->begin(); item != modules->end(); ++item) {
    const std::string& name = item.key();
    if (!valid_module_name(name)) {
      problems.add("modules",
                   fmt::format("'{}' is not a module name (1 to 128 letters, digits, '_' and '-')", printable(name)));
      continue;
    }
    if (name == "edgeAgent" || name == "edgeHub") {
      problems.add("modules." + name, fmt::format("the name is the system module's (systemModules.{})", name));
      continue;
    }
    manifest.modules.push_back(read_module(*item, name, "modules." + name, ModuleRole::module, problems));
  }
  std::sort(manifest.modules.begin(), manifest.modules.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
}

// .NET's System.Version, as IoT Edge parses schemaVersion: 2 to 4 dot-separated numbers.
std::optional<std::pair<long, long>> parse_schema_version(std::string_view text) {
  std::vector<long> parts;
  std::size_t i = 0;
  while (true) {
    const std::size_t start = i;
    long value = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
      if ((value = value * 10 + (text[i] - '0')) > std::numeric_limits<int>::max()) return std::nullopt;
    if (i == start) return std::nullopt;
    parts.push_back(value);
    if (i == text.size()) break;
    if (text[i++] != '.') return std::nullopt;
  }
  if (parts.size() < 2 || parts.size() > 4) return std::nullopt;
  return std::pair{parts[0], parts[1]};
}

constexpr std::string_view kNoDeployment =
    "This device has an empty configuration for the edge agent. Please set a deployment manifest.";

// 417, 412, then every 400 at once; `trailing` adds the envelope's problems to a 400.
Result<DeploymentManifest, ManifestStatus> read_desired(const json& desired, const Problems& trailing) {
  if (desired.is_null()) return ManifestStatus{417, std::string(kNoDeployment)};
  if (!desired.is_object())
    return ManifestStatus{
        400, fmt::format("$edgeAgent desired properties: must be a JSON object, found {}", describe(desired))};
  // 417 first: nothing but the twin's own keys ($version, $metadata), or no systemModules (IoT
  // Edge says 417 only for the first and a format error for the second; without systemModules
  // there is no deployment to run, e.g. layered modules merged onto no base). Then 412, so that a
  // manifest of another schema is not judged by this one's rules.
  if (!has_key(desired, [](const std::string& key) { return key.empty() || key[0] != '$'; }))
    return ManifestStatus{417, std::string(kNoDeployment)};
  if (field(desired, "systemModules") == nullptr)
    return ManifestStatus{417, field(desired, "modules") != nullptr
                                   ? "no deployment: systemModules is missing (a layered deployment only adds "
                                     "modules to a base deployment; apply a base deployment first)"
                                   : "no deployment: systemModules is missing"};

  DeploymentManifest manifest;
  const json* schema = field(desired, "schemaVersion");
  if (schema == nullptr) return ManifestStatus{412, "schemaVersion: missing (this agent reads \"1.0\" and \"1.1\")"};
  if (!schema->is_string())
    return ManifestStatus{412,
                          fmt::format("schemaVersion: must be a string such as \"1.1\", found {}", describe(*schema))};
  const auto version = parse_schema_version(schema->get_ref<const std::string&>());
  if (!version)
    return ManifestStatus{412, fmt::format("schemaVersion: {} is not a version such as \"1.1\"", describe(*schema))};
  if (version->first != 1 || version->second > 1)
    return ManifestStatus{
        412, fmt::format("schemaVersion: {} is not supported (this agent reads 1.0 and 1.1)", describe(*schema))};
  manifest.schema_version = fmt::format("1.{}", version->second);
  manifest.version = integer_field(desired, "$version", 0);

  Problems problems;
  read_runtime(desired, manifest, problems);
  read_modules(desired, manifest, problems);
  problems.append(trailing);
  if (!problems.empty()) return ManifestStatus{400, problems.describe()};
  return manifest;
}

}  // namespace

Result<DeploymentManifest, ManifestStatus> parse_agent_desired(const json& desired) {
  return read_desired(desired, {});
}

Result<Deployment, ManifestStatus> parse_deployment(const json& content) {
  if (!content.is_object())
    return ManifestStatus{400, fmt::format("the deployment must be a JSON object {{\"modulesContent\": …}}, found {}",
                                           describe(content))};
  const json* root = &content;
  // `az iot edge deployment create --content` files wrap it once more: {"content": {"modulesContent": …}}.
  if (!content.contains("modulesContent") && !content.contains("$edgeAgent"))
    if (const json* wrapped = field(content, "content"); wrapped != nullptr && wrapped->is_object()) root = wrapped;
  if (const json* modules_content = field(*root, "modulesContent")) {
    if (!modules_content->is_object())
      return ManifestStatus{400,
                            fmt::format("modulesContent: must be an object, found {}", describe(*modules_content))};
    root = modules_content;
  }
  const json* agent = field(*root, "$edgeAgent");
  if (agent == nullptr)
    return ManifestStatus{417, root->contains("moduleContent")
                                   ? "no deployment: $edgeAgent is missing (found \"moduleContent\": the key is "
                                     "\"modulesContent\")"
                                   : "no deployment: $edgeAgent is missing"};
  if (!agent->is_object())
    return ManifestStatus{
        400, fmt::format("$edgeAgent: must be an object {{\"properties.desired\": …}}, found {}", describe(*agent))};
  const json* desired = field(*agent, "properties.desired");
  if (desired == nullptr) {
    const bool layered =
        has_key(*agent, [](const std::string& key) { return key.rfind("properties.desired.", 0) == 0; });
    // A layered deployment ("properties.desired.modules.X") is merged by IoT Hub onto the base
    // deployment of the devices it targets; alone it holds no deployment.
    return ManifestStatus{417, layered ? "no deployment: this is a layered deployment (\"properties.desired.<path>\" "
                                         "keys); it only adds to a base deployment and cannot be applied alone"
                                       : "no deployment: $edgeAgent.properties.desired is missing"};
  }

  Deployment deployment;
  Problems envelope;
  for (auto item = root->begin(); item != root->end(); ++item) {
    const std::string& key = item.key();
    if (key == "$edgeAgent" || item->is_null()) continue;
    if (key != "$edgeHub" && !key.empty() && key[0] == '$') continue;  // no other system twin is ours
    const std::string path = printable(key);
    if (!item->is_object()) {
      envelope.add(path, fmt::format("must be an object {{\"properties.desired\": {{…}}}}, found {}", describe(*item)));
      continue;
    }
    const json* properties = field(*item, "properties.desired");
    if (properties != nullptr && !properties->is_object()) {
      envelope.add(path + ".properties.desired", fmt::format("must be an object, found {}", describe(*properties)));
      continue;
    }
    if (key == "$edgeHub") {
      if (properties != nullptr) deployment.edge_hub_desired = *properties;  // parsed by the hub
    } else if (properties == nullptr) {
      envelope.add(path + ".properties.desired", "missing (the module twin's desired properties)");
    } else {
      deployment.module_desired[key] = *properties;
    }
  }
  auto manifest = read_desired(*desired, envelope);
  if (!manifest) return manifest.failure();
  deployment.agent = std::move(manifest).value();
  return deployment;
}

}  // namespace outpost::agent
