#include "agent_methods.h"

#include <spdlog/spdlog.h>

#include "module_logs.h"
#include "outpost/core/json.h"

namespace outpost::agent {
namespace {

using nlohmann::json;

client::MethodResult answer(int status, const json& body) { return {status, body.dump()}; }
client::MethodResult refuse(int status, const std::string& message) { return answer(status, json{{"message", message}}); }

}  // namespace

void serve_agent_methods(client::ModuleClient& client, const management::ManagementClient& management,
                         const std::string& iothub, const std::string& device) {
  client.onMethod("ping", [](const std::string&) { return answer(200, json::object()); });
  client.onMethod("RestartModule", [&management](const std::string& payload) {
    auto request = parse_json(payload);
    const auto id = request && request->is_object() ? string_field(*request, "id") : "";
    if (id.empty()) return refuse(400, "RestartModule needs {\"schemaVersion\": \"1.0\", \"id\": \"<module>\"}");
    if (id == "edgeAgent" || id == "$edgeAgent") return refuse(400, "the agent does not restart itself");
    auto restarted = management.restart_module(id);
    if (!restarted) return refuse(restarted.error_kind() == ErrorKind::not_found ? 400 : 500, restarted.error());
    spdlog::info("agent: module '{}' restarted (direct method)", id);
    return answer(200, json::object());
  });
  client.onMethod("GetModuleLogs", [&management, iothub, device](const std::string& payload) {
    auto request = parse_json(payload);
    if (!request) return refuse(400, "the payload is not JSON: " + request.error());
    auto logs = get_module_logs(management, *request, iothub, device);
    if (!logs) return refuse(logs.error_kind() == ErrorKind::invalid_input ? 400 : 500, logs.error());
    return answer(200, *logs);
  });
  client.onMethod("GetTaskStatus", [](const std::string&) {
    return answer(200, json{{"status", "Unknown"}, {"message", "no upload tasks: uploads are not served yet"},
                            {"correlationId", ""}});
  });
  for (const auto* name : {"UploadModuleLogs", "UploadSupportBundle"})
    client.onMethod(name, [name](const std::string&) {
      return refuse(400, std::string(name) + " is not served by this agent yet");
    });
}

}  // namespace outpost::agent
