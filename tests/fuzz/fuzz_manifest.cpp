// Fuzz target: the deployment manifest parser (the agent's), from JSON text as a deployment file
// or a twin brings it. Any input gives a manifest or one of IoT Edge's codes with a description
// that dumps as JSON — never a crash or an exception. What is accepted has a non-empty image for
// every module, valid module names, and its lists sorted.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "outpost/agent/manifest.h"
#include "manifest_internal.h"
#include "outpost/core/json.h"

namespace {

using outpost::agent::DeploymentManifest;
using outpost::agent::ManifestStatus;
using outpost::agent::ModuleDesired;

bool valid_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

void check_module(const ModuleDesired& module) {
  if (module.image.empty() || module.type != "docker" || !module.create_options.is_object()) std::abort();
  const auto name_tag = module.image.substr(module.image.rfind('/') + 1);
  if (name_tag.find(':') == std::string::npos) std::abort();  // tagged, or ":latest" added
  if (!std::is_sorted(module.env.begin(), module.env.end())) std::abort();
}

void check(const DeploymentManifest& manifest) {
  if (manifest.schema_version != "1.0" && manifest.schema_version != "1.1") std::abort();
  check_module(manifest.edge_agent);
  if (manifest.edge_agent.name != "edgeAgent") std::abort();
  if (manifest.edge_hub) {
    check_module(*manifest.edge_hub);
    if (manifest.edge_hub->name != "edgeHub") std::abort();
  }
  for (const auto& module : manifest.modules) {
    check_module(module);
    if (!valid_name(module.name) || module.name == "edgeAgent" || module.name == "edgeHub") std::abort();
  }
  const auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
  if (!std::is_sorted(manifest.modules.begin(), manifest.modules.end(), by_name)) std::abort();
  if (!std::is_sorted(manifest.registry_credentials.begin(), manifest.registry_credentials.end(), by_name))
    std::abort();
  for (const auto& credential : manifest.registry_credentials)
    if (credential.username.empty() || credential.password.empty() || credential.address.empty()) std::abort();
}

void check(const ManifestStatus& status) {
  if (status.code != 400 && status.code != 412 && status.code != 417) std::abort();
  if (status.description.empty() || status.description.size() > 16 * 1024) std::abort();  // listed, capped
  try {
    (void)nlohmann::json(status.description).dump();  // reported as is: must be valid UTF-8
  } catch (const nlohmann::json::exception&) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Most mutations are not JSON: the bytes also go in as an image name and as createOptions
  // text, whole and split in two chunks.
  if (auto image = outpost::agent::manifest_detail::normalize_image(text)) {
    if (image->empty() || image->substr(image->rfind('/') + 1).find(':') == std::string::npos) std::abort();
  }
  const std::string whole(text);
  for (const auto& settings :
       {nlohmann::json{{"createOptions", whole}},
        nlohmann::json{{"createOptions", whole.substr(0, size / 2)}, {"createOptions01", whole.substr(size / 2)}}}) {
    auto options = outpost::agent::read_create_options(settings);
    if (options ? !options->is_object() : options.error().rfind("createOptions", 0) != 0) std::abort();
  }
  auto document = outpost::parse_json(text);
  if (!document) return 0;
  if (auto deployment = outpost::agent::parse_deployment(*document))
    check(deployment->agent);
  else
    check(deployment.failure());
  if (auto manifest = outpost::agent::parse_agent_desired(*document))
    check(*manifest);
  else
    check(manifest.failure());
  // The agent's desired properties inside a deployment, as a twin would bring them.
  const auto& inner = outpost::object_field(
      outpost::object_field(outpost::object_field(*document, "modulesContent"), "$edgeAgent"), "properties.desired");
  if (auto manifest = outpost::agent::parse_agent_desired(inner))
    check(*manifest);
  else
    check(manifest.failure());
  return 0;
}
