// ModuleClient::invokeMethod: a direct method through the edge hub's module API —
// POST https://{gateway}:{httpsPort}/twins/{d}[/modules/{m}]/methods with the caller's own
// SAS token and x-ms-edge-moduleId: {device}/{module}, as the official SDKs send it.
#pragma once
#include <chrono>
#include <string>

#include "credentials.h"
#include "outpost/client/client_options.h"
#include "outpost/client/methods.h"

namespace outpost::client::detail {

MethodResult invoke_method(const Credentials& caller, const ClientOptions& options, const std::string& device_id,
                           const std::string& module_id, const std::string& method_name, const std::string& payload_json,
                           std::chrono::seconds response_timeout);

}  // namespace outpost::client::detail
