// The agent's direct methods (daemon-agent-manifest.md §4): ping, RestartModule,
// GetModuleLogs, UploadModuleLogs, UploadSupportBundle, GetTaskStatus — case-sensitive names;
// 200 with the answer, 400 {"message"} for a bad request, 500 when doing it failed. The two
// uploads answer at once with a correlation id and run in the background (upload_tasks.h),
// putting blobs where the request's sasUrl says (blob_upload.h).
#pragma once
#include <string>

#include "outpost/client/module_client.h"
#include "outpost/management_client/management_client.h"
#include "upload_tasks.h"

namespace outpost::agent {

struct AgentMethodContext {
  std::string iothub_hostname;
  std::string device_id;
  std::string upload_ca_file;  // trust for https upload URLs: the trust bundle and the system's CAs
};

// `management` and `uploads` must outlive the client's handlers.
void serve_agent_methods(client::ModuleClient& client, const management::ManagementClient& management,
                         UploadTasks& uploads, AgentMethodContext context);

}  // namespace outpost::agent
