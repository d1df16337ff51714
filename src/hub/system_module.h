// outpost-hub as IoT Edge's $edgeHub system module, started by outpostd for its agent with no
// hub.yaml (docs/HUB.md "As a system module"). Everything comes from the environment outpostd
// gives every module, as edgeHub takes it from iotedged: who it is (IOTEDGE_*), a TLS server
// certificate for EdgeDeviceHostName and the trust bundle from the workload API, tokens that
// API signs as $edgeHub, routes from its twin — or, on a device with no cloud
// (OUTPOST_DEPLOYMENT_FILE set), from the local deployment file, with module identities from
// outpostd's device-scope API.
#pragma once
#include <optional>
#include <string>

#include "hub_startup.h"
#include "outpost/core/sas_token.h"
#include "outpost/routing/edgehub_config.h"

namespace outpost::hub {

// No --config (`config_file` empty) and IOTEDGE_WORKLOADURI set: outpostd started the hub as a
// module. An explicit --config always wins.
bool runs_as_system_module(const std::string& config_file);

// Reads the environment, gets the server certificate and the trust bundle from the workload
// API (written under the storage folder), and checks it all in one pass: throws one
// ConfigError listing every problem, each naming its variable.
HubStartup load_system_module_startup(const std::string& ready_file);

// Signs as the module through the workload API; thread-safe.
KeySigner workload_signer(const SystemModuleSettings& module);

// `modulesContent.$edgeHub["properties.desired"]` of a local deployment file (nullopt when
// the file has no $edgeHub part); throws ConfigError naming the file and the problem.
std::optional<routing::EdgeHubConfig> load_deployment_routes(const std::string& file);

}  // namespace outpost::hub
