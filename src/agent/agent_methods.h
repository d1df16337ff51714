// The agent's direct methods (daemon-agent-manifest.md §4): ping, RestartModule,
// GetModuleLogs, GetTaskStatus — case-sensitive names; 200 with the answer, 400 {"message"} for
// a bad request, 500 when doing it failed. UploadModuleLogs and UploadSupportBundle are not
// served yet (400 says so).
#pragma once
#include <string>

#include "outpost/client/module_client.h"
#include "outpost/management_client/management_client.h"

namespace outpost::agent {

void serve_agent_methods(client::ModuleClient& client, const management::ManagementClient& management,
                         const std::string& iothub, const std::string& device);

}  // namespace outpost::agent
