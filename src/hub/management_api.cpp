#include "hub/management_api.h"

#include <spdlog/spdlog.h>

#include "outpost/core/encoding.h"
#include "outpost/core/sas_token.h"

namespace outpost::hub {
namespace {

using net::HttpResponse;

HttpResponse error(int status, int code, std::string message) {
  return HttpResponse::json(status, nlohmann::json{{"errorCode", code}, {"message", std::move(message)}}.dump());
}

}  // namespace

ManagementApi::ManagementApi(EdgeHub& hub, HubMetrics& metrics, std::string hostname,
                             std::vector<ServicePolicy> policies, const Clock& clock)
    : hub_(hub), metrics_(metrics), hostname_(std::move(hostname)), policies_(std::move(policies)), clock_(clock) {}

std::optional<std::string> ManagementApi::authorize(const net::HttpRequest& request) const {
  if (policies_.empty()) return "the management API is disabled: hub.yaml lists no management.policies";
  const auto header = request.header("Authorization");
  if (!header) return "missing Authorization header (a SharedAccessSignature with skn)";
  auto token = parse_sas_token(*header);
  if (!token) return token.error();
  if (!token->key_name) return "the token names no policy (skn)";
  if (!iequals(token->resource_uri, hostname_) && !iequals(token->resource_uri.substr(0, hostname_.size() + 1), hostname_ + "/"))
    return "the token is not for this hub (sr must be " + hostname_ + ")";
  for (const auto& policy : policies_) {
    if (policy.name != *token->key_name) continue;
    const auto verdict =
        verify_sas_token(*token, SasKeys{policy.primary_key, policy.secondary_key}, nullptr, clock_.unix_seconds());
    if (verdict.ok()) return std::nullopt;
    return verdict.detail;
  }
  return "unknown policy '" + *token->key_name + "'";
}

void ManagementApi::handle(net::HttpRequest&& request, net::HttpResponder responder) {
  if (request.path == "/metrics" && request.method == "GET") {
    responder.send(HttpResponse::text(200, metrics_.registry().render(), "text/plain; version=0.0.4; charset=utf-8"));
    return;
  }
  if (request.path == "/healthz") {
    responder.send(HttpResponse::text(200, "ok\n"));
    return;
  }
  // A module calling a direct method (ModuleClient.invokeMethod): its own SAS token and
  // x-ms-edge-moduleId: {device}/{module}, as edgeHub's module API expects.
  if (const auto caller = request.header("x-ms-edge-moduleId")) {
    const auto slash = caller->find('/');
    const iothub::Identity identity{caller->substr(0, slash),
                                    slash == std::string::npos ? std::nullopt : std::optional(caller->substr(slash + 1))};
    const auto parts = request.path_segments();
    const bool is_method_call = request.method == "POST" && parts.size() >= 3 && parts[0] == "twins" &&
                                parts.back() == "methods";
    if (!is_method_call || !hub_.verify_token(identity, request.header("Authorization").value_or(""))) {
      responder.send(error(401, 401002, "modules may only invoke methods, with their own SAS token"));
      return;
    }
    iothub::Identity target{parts[1], std::nullopt};
    if (parts.size() == 5 && parts[2] == "modules") target.module_id = parts[3];
    return handle_method(request, target, std::move(responder));
  }
  if (const auto denied = authorize(request)) {
    spdlog::info("hub: management API: refused {} {} from {}: {}", request.method, request.path,
                 request.remote_address, *denied);
    responder.send(error(401, 401002, *denied));
    return;
  }
  const auto parts = request.path_segments();
  // /twins/{d}[/modules/{m}][/methods]
  if (!parts.empty() && parts[0] == "twins" && parts.size() >= 2) {
    iothub::Identity identity{parts[1], std::nullopt};
    std::size_t next = 2;
    if (parts.size() >= 4 && parts[2] == "modules") {
      identity.module_id = parts[3];
      next = 4;
    }
    if (parts.size() == next) return handle_twin(request, identity, responder);
    if (parts.size() == next + 1 && parts[next] == "methods" && request.method == "POST")
      return handle_method(request, identity, std::move(responder));
  }
  if (parts.size() == 4 && parts[0] == "devices" && parts[2] == "messages" && iequals(parts[3], "devicebound") &&
      request.method == "POST")
    return handle_c2d(request, parts[1], responder);
  if (request.path == "/status" && request.method == "GET") {
    const auto s = hub_.status();
    nlohmann::json queues = nlohmann::json::array();
    for (const auto& q : s.queues) queues.push_back({{"name", q.name}, {"length", q.length}});
    responder.send(HttpResponse::json(200, nlohmann::json{{"connectedClients", s.clients},
                                                          {"storeBytes", s.store_bytes},
                                                          {"upstream", s.upstream},
                                                          {"queues", queues}}
                                               .dump()));
    return;
  }
  responder.send(error(404, 404000, request.method + " " + request.path + " is not an API of this hub"));
}

void ManagementApi::handle_twin(const net::HttpRequest& request, const iothub::Identity& identity,
                                net::HttpResponder& responder) {
  if (request.method == "GET") {
    responder.send(HttpResponse::json(200, hub_.twin(identity).dump()));
    return;
  }
  if (request.method != "PATCH" && request.method != "PUT") {
    responder.send(error(405, 405000, "twins support GET, PATCH and PUT"));
    return;
  }
  const auto body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    responder.send(error(400, 400004, "the body must be a JSON twin: {\"properties\":{\"desired\":{...}}}"));
    return;
  }
  if (!body.contains("properties") || !body["properties"].is_object() ||
      !body["properties"].contains("desired") || !body["properties"]["desired"].is_object()) {
    responder.send(error(400, 400004, "the body has no properties.desired object"));
    return;
  }
  auto version = hub_.update_desired(identity, body["properties"]["desired"], request.method == "PUT");
  if (!version) {
    responder.send(error(400, 400004, version.error()));
    return;
  }
  responder.send(HttpResponse::json(200, hub_.twin(identity).dump()));
}

void ManagementApi::handle_method(const net::HttpRequest& request, const iothub::Identity& identity,
                                  net::HttpResponder responder) {
  const auto body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("methodName") || !body["methodName"].is_string()) {
    responder.send(error(400, 400004, "the body must be {\"methodName\":..., \"payload\":..., \"responseTimeoutInSeconds\":...}"));
    return;
  }
  const auto timeout = body.value("responseTimeoutInSeconds", 30);
  if (timeout < 5 || timeout > 300) {
    responder.send(error(400, 400004, "responseTimeoutInSeconds must be between 5 and 300"));
    return;
  }
  const auto payload = body.contains("payload") ? body["payload"].dump() : std::string("null");
  if (payload.size() > 128 * 1024) {
    responder.send(error(413, 413000, "method payloads are limited to 128 KB"));
    return;
  }
  hub_.invoke_method(identity, body["methodName"].get<std::string>(), payload, std::chrono::seconds(timeout),
                     [responder](iothub::MethodResult result) {
                       if (!result.from_device) {
                         responder.send(HttpResponse::json(result.status, result.payload_json));
                         return;
                       }
                       auto parsed = nlohmann::json::parse(result.payload_json, nullptr, false);
                       if (parsed.is_discarded()) parsed = result.payload_json;  // not JSON: return it as a string
                       responder.send(HttpResponse::json(200, nlohmann::json{{"status", result.status},
                                                                             {"payload", parsed}}
                                                                  .dump()));
                     });
}

void ManagementApi::handle_c2d(const net::HttpRequest& request, const std::string& device_id,
                               net::HttpResponder& responder) {
  Message message;
  message.body = request.body;
  for (const auto& [name, value] : request.headers) {
    const auto lower = to_lower(name);
    if (lower.rfind("iothub-app-", 0) == 0) message.application.set(name.substr(11), value);
    else if (lower == "iothub-messageid") message.system.set(std::string(sysprop::kMessageId), value);
    else if (lower == "iothub-correlationid") message.system.set(std::string(sysprop::kCorrelationId), value);
    else if (lower == "content-type") message.system.set(std::string(sysprop::kContentType), value);
  }
  if (auto s = hub_.send_c2d(device_id, std::move(message)); !s) {
    responder.send(error(404, 404001, s.error()));
    return;
  }
  responder.send(HttpResponse::text(204, ""));
}

}  // namespace outpost::hub
