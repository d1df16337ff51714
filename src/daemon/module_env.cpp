#include "module_env.h"

#include <algorithm>

namespace outpost::daemon {

Environment module_environment(const DeviceContext& device, const std::string& module_id,
                               const std::string& generation_id, ModuleRole role, const std::string& workload_uri) {
  Environment env{
      {"IOTEDGE_WORKLOADURI", workload_uri},
      {"IOTEDGE_AUTHSCHEME", "sasToken"},
      {"IOTEDGE_MODULEGENERATIONID", generation_id},
      {"IOTEDGE_IOTHUBHOSTNAME", device.iothub_hostname},
      {"IOTEDGE_DEVICEID", device.device_id},
      {"IOTEDGE_MODULEID", module_id},
      {"IOTEDGE_APIVERSION", "2022-08-03"},
  };
  if (role == ModuleRole::user) {
    env.emplace_back("IOTEDGE_GATEWAYHOSTNAME", device.edge_hostname);
  } else {
    env.emplace_back("EdgeDeviceHostName", device.edge_hostname);
  }
  // No cloud: the agent and the hub follow the local deployment file, and the hub learns
  // module identities from outpostd's device-scope API on the management socket.
  if (role != ModuleRole::user && !device.local_deployment_file.empty())
    env.emplace_back("OUTPOST_DEPLOYMENT_FILE", device.local_deployment_file);
  if (role == ModuleRole::hub && !device.local_deployment_file.empty())
    env.emplace_back("IOTEDGE_MANAGEMENTURI", device.management_uri);
  if (role == ModuleRole::agent) {
    env.emplace_back("IOTEDGE_MANAGEMENTURI", device.management_uri);
    env.emplace_back("IOTEDGE_WORKLOADLISTEN_MNTURI", "unix://" + device.module_socket_folder);
    env.emplace_back("NetworkId", device.network);
    env.emplace_back("Mode", "iotedged");
  }
  return env;
}

Environment merge_environment(const Environment& injected, const Environment& module_env) {
  Environment out = module_env;
  for (const auto& [key, value] : injected) {
    const auto it = std::find_if(out.begin(), out.end(), [&](const auto& kv) { return kv.first == key; });
    if (it == out.end()) out.emplace_back(key, value);
    else it->second = value;  // the runtime's IOTEDGE_* keys are not the module's to change
  }
  return out;
}

}  // namespace outpost::daemon
