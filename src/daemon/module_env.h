// The IOTEDGE_* environment every module gets, as IoT Edge injects it (reference:
// daemon-agent-manifest.md §1, "Injected env"), so the official SDKs'
// ModuleClient.fromEnvironment() and edgeHub/edgeAgent-style modules find their way.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace outpost::daemon {

struct DeviceContext {
  std::string iothub_hostname;
  std::string device_id;
  std::string edge_hostname;    // config.yaml's hostname (EdgeDeviceHostName)
  std::string management_uri;   // connect.management_uri
  std::string module_socket_folder;  // <homedir>/mnt: each module's own workload socket
  std::string network;          // moby_runtime.network
  std::string local_deployment_file;  // provisioning local: the deployment the agent and hub follow
};

enum class ModuleRole { agent, hub, user };

using Environment = std::vector<std::pair<std::string, std::string>>;

// `workload_uri`: what the module dials — its own socket as seen from where it runs.
Environment module_environment(const DeviceContext& device, const std::string& module_id,
                               const std::string& generation_id, ModuleRole role, const std::string& workload_uri);

// The module's own env with the injected keys set over it, as IoT Edge applies the manifest's
// env first and then its own keys: a module cannot pose as another by setting IOTEDGE_MODULEID.
Environment merge_environment(const Environment& injected, const Environment& module_env);

}  // namespace outpost::daemon
