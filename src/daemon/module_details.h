// IoT Edge's management API shapes (reference: daemon-agent-manifest.md §2): the ModuleSpec
// the agent sends and the ModuleDetails it reads back. The agent compares what it reads with
// what it asked for, so what it asked for (image name as in the manifest, env, createOptions)
// is kept in the module's labels, as edged keeps it, and returned unchanged.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "outpost/core/result.h"
#include "outpost/runtime/module_runtime.h"

namespace outpost::daemon {

// A module as the agent asks for it.
struct RequestedModule {
  std::string name;
  std::string image;  // as in the manifest
  nlohmann::json create_options = nlohmann::json::object();
  std::vector<std::pair<std::string, std::string>> env;
  std::string image_pull_policy = "on-create";
  nlohmann::json auth;  // {"username","password","serveraddress"} or null
};

// Parses a ModuleSpec body; errors name the field ("config.settings.image is required",
// "config.env: duplicate key 'A'").
Result<RequestedModule> parse_module_spec(const nlohmann::json& body);

// Labels that keep the request with the module.
inline constexpr const char* kOwnerLabel = "net.azure-devices.edge.owner";
inline constexpr const char* kOwner = "Microsoft.Azure.Devices.Edge.Agent";
inline constexpr const char* kOriginalImageLabel = "net.azure-devices.edge.original-image";
inline constexpr const char* kEnvLabel = "net.azure-devices.edge.env";
inline constexpr const char* kCreateOptionsLabel = "net.azure-devices.edge.create-options";
std::vector<std::pair<std::string, std::string>> request_labels(const RequestedModule& module);

// ModuleDetails from the runtime's spec (with the labels above) and status.
nlohmann::json module_details(const runtime::ModuleSpec& spec, const runtime::ModuleStatus& status);

}  // namespace outpost::daemon
