#include "method_invoker.h"

#include <fmt/format.h>

#include "outpost/client/client_error.h"
#include "outpost/core/encoding.h"
#include "outpost/core/json.h"
#include "outpost/net/http_fetch.h"

namespace outpost::client::detail {

MethodResult invoke_method(const Credentials& caller, const ClientOptions& options, const std::string& device_id,
                           const std::string& module_id, const std::string& method_name, const std::string& payload_json,
                           std::chrono::seconds response_timeout) {
  if (caller.module_id.empty() || caller.gateway_host == caller.iothub_host)
    throw ClientError(ErrorCode::invalid_argument,
                      "invokeMethod goes through an edge hub: the module needs a gateway (IOTEDGE_GATEWAYHOSTNAME or GatewayHostName)");
  if (!caller.sign) throw ClientError(ErrorCode::invalid_argument, "invokeMethod needs a SAS identity");
  auto payload = parse_json(payload_json);
  if (!payload) throw ClientError(ErrorCode::invalid_argument, "the method payload is not JSON: " + payload.error());
  const nlohmann::json request{{"methodName", method_name},
                               {"responseTimeoutInSeconds", response_timeout.count()},
                               {"payload", std::move(*payload)}};
  auto path = "/twins/" + url_encode(device_id);
  if (!module_id.empty()) path += "/modules/" + url_encode(module_id);
  const auto url = fmt::format("https://{}:{}{}/methods?api-version=2018-06-30", caller.gateway_host, options.httpsPort, path);
  const net::Headers headers{{"Authorization", caller.sas_token(options.tokenLifetime)},
                             {"x-ms-edge-moduleId", caller.device_id + "/" + caller.module_id},
                             {"Content-Type", "application/json"}};
  net::HttpClientOptions http;
  http.ca_file = caller.ca_file;
  http.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(response_timeout) + std::chrono::seconds(10);
  auto reply = net::fetch("POST", url, headers, request.dump(), http);
  if (!reply) throw ClientError(ErrorCode::transport, fmt::format("invokeMethod {}: {}", method_name, reply.error()));
  auto body = parse_json(reply->body);
  if (reply->status == 401)
    throw ClientError(ErrorCode::auth_refused, fmt::format("invokeMethod {}: the hub refused our token", method_name), 401);
  if (reply->status != 200 || !body || !body->is_object()) {
    const auto message = body && body->is_object() ? string_field(*body, "Message", string_field(*body, "message")) : "";
    throw ClientError(reply->status == 504 ? ErrorCode::timeout : ErrorCode::rejected,
                      fmt::format("invokeMethod {} on {}{}: {} {}", method_name, device_id,
                                  module_id.empty() ? "" : "/" + module_id, reply->status,
                                  message.empty() ? reply->body.substr(0, 300) : message),
                      static_cast<int>(reply->status));
  }
  MethodResult result;
  result.status = body->value("status", 0);
  result.payload = body->contains("payload") ? (*body)["payload"].dump() : "null";
  return result;
}

}  // namespace outpost::client::detail
