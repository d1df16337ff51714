#include "agent_methods.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "blob_upload.h"
#include "module_logs.h"
#include "outpost/core/json.h"

namespace outpost::agent {
namespace {

using nlohmann::json;

client::MethodResult answer(int status, const json& body) { return {status, body.dump()}; }
client::MethodResult refuse(int status, const std::string& message) { return answer(status, json{{"message", message}}); }
client::MethodResult refuse(const Error& error) {
  return refuse(error.kind == ErrorKind::invalid_input || error.kind == ErrorKind::not_found ? 400 : 500, error.message);
}

// The request as JSON with a usable sasUrl, or the 400 that says what is wrong.
Result<json> upload_request(const std::string& payload, const char* method) {
  auto request = parse_json(payload);
  if (!request || !request->is_object()) return make_error(std::string(method) + ": the payload must be a JSON object");
  const auto sas_url = string_field(*request, "sasUrl");
  if (sas_url.empty()) return make_error(std::string(method) + " needs \"sasUrl\": the blob container to upload to");
  if (auto url = blob_url(sas_url, "probe"); !url) return make_error(std::string(method) + ": " + url.error());
  return std::move(*request);
}

client::MethodResult started(UploadTasks& uploads, std::function<Status()> work) {
  auto id = uploads.start(std::move(work));
  if (!id) return refuse(id.failure());
  return answer(200, json{{"status", "NotStarted"}, {"message", ""}, {"correlationId", *id}});
}

}  // namespace

void serve_agent_methods(client::ModuleClient& client, const management::ManagementClient& management,
                         UploadTasks& uploads, AgentMethodContext context) {
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
  client.onMethod("GetModuleLogs", [&management, context](const std::string& payload) {
    auto request = parse_json(payload);
    if (!request) return refuse(400, "the payload is not JSON: " + request.error());
    auto logs = get_module_logs(management, *request, context.iothub_hostname, context.device_id);
    if (!logs) return refuse(logs.error_kind() == ErrorKind::invalid_input ? 400 : 500, logs.error());
    return answer(200, *logs);
  });
  client.onMethod("UploadModuleLogs", [&management, &uploads, context](const std::string& payload) {
    auto request = upload_request(payload, "UploadModuleLogs");
    if (!request) return refuse(400, request.error());
    auto format = logs_format(*request);
    if (!format) return refuse(400, format.error());
    return started(uploads, [&management, context, request = std::move(*request), format = *format]() -> Status {
      auto logs = collect_module_logs(management, request, context.iothub_hostname, context.device_id);
      if (!logs) return logs.failure();
      if (logs->empty()) return make_error("no module matches the request's ids");
      const BlobTarget target{string_field(request, "sasUrl"), context.upload_ca_file};
      const auto extension = format.gzip ? "gz" : format.json ? "json" : "log";
      const auto now = std::chrono::system_clock::now();
      for (const auto& module : *logs) {
        const auto name = blob_name(context.iothub_hostname, context.device_id, module.module, extension, now);
        if (auto put = put_blob(target, name, module.content, format.json ? "application/json" : "text/plain",
                                format.gzip ? "gzip" : "");
            !put)
          return put;
        spdlog::info("agent: uploaded {} ({} bytes)", name, module.content.size());
      }
      return {};
    });
  });
  client.onMethod("UploadSupportBundle", [&management, &uploads, context](const std::string& payload) {
    auto request = upload_request(payload, "UploadSupportBundle");
    if (!request) return refuse(400, request.error());
    std::string query;
    for (const auto* key : {"since", "until"})
      if (request->contains(key)) query += std::string(query.empty() ? "" : "&") + key + "=" + time_parameter((*request)[key]);
    if (request->value("edgeRuntimeOnly", false)) query += std::string(query.empty() ? "" : "&") + "edge_runtime_only=true";
    return started(uploads, [&management, context, sas_url = string_field(*request, "sasUrl"), query]() -> Status {
      auto bundle = management.support_bundle(query);
      if (!bundle) return bundle.failure();
      const auto name = blob_name(context.iothub_hostname, context.device_id, "support-bundle", "zip",
                                  std::chrono::system_clock::now());
      if (auto put = put_blob(BlobTarget{sas_url, context.upload_ca_file}, name, *bundle, "application/zip"); !put) return put;
      spdlog::info("agent: uploaded {} ({} bytes)", name, bundle->size());
      return {};
    });
  });
  client.onMethod("GetTaskStatus", [&uploads](const std::string& payload) {
    auto request = parse_json(payload);
    const auto id = request && request->is_object() ? string_field(*request, "correlationId") : "";
    if (id.empty()) return refuse(400, "GetTaskStatus needs {\"schemaVersion\": \"1.0\", \"correlationId\": \"<id>\"}");
    if (auto status = uploads.status(id)) return answer(200, *status);
    return answer(200, json{{"status", "Unknown"}, {"message", "no task with this correlationId"}, {"correlationId", id}});
  });
}

}  // namespace outpost::agent
