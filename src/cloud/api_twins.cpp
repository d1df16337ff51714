// ServiceApi: twins (/twins/{d}[/modules/{m}]), direct methods, applyConfigurationContent
// and cloud-to-device messages.
#include <spdlog/spdlog.h>

#include "cloud/api_util.h"
#include "cloud/cloud.h"
#include "cloud/service_api.h"
#include "cloud/time_text.h"
#include "outpost/core/encoding.h"

namespace outpost::cloud {

using nlohmann::json;

void ServiceApi::twins(const net::HttpRequest& request, const std::vector<std::string>& parts, Reply& reply) {
  // /twins/{d}[/modules/{m}][/methods]
  if (parts.size() < 2) return reply(error_response({404, "NotFound", "twins: /twins/{deviceId}[/modules/{moduleId}]"}));
  iothub::Identity identity{parts[1], std::nullopt};
  std::size_t next = 2;
  if (parts.size() >= 4 && parts[2] == "modules") {
    identity.module_id = parts[3];
    next = 4;
  }
  if (parts.size() == next + 1 && parts[next] == "methods" && request.method == "POST") {
    if (!authorized(request, rights::kServiceConnect, reply)) return;
    return method(request, identity, reply);
  }
  if (parts.size() != next) {
    return reply(error_response({404, "NotFound", request.method + " " + request.path + " is not an API of outpost-cloud"}));
  }
  auto& twins = cloud_.twins();
  if (request.method == "GET") {
    if (!authorized(request, rights::kRegistryRead | rights::kServiceConnect, reply)) return;
    cloud_.metrics().twin_operations("service_get").inc();
    const auto twin = twins.get(identity);
    if (!twin) return reply(error_response(twin.error()));
    reply(json_response(200, cloud_.twin_document(*twin), twin->etag));
    return;
  }
  if (request.method != "PATCH" && request.method != "PUT")
    return reply(error_response({405, "MethodNotAllowed", "twins support GET, PATCH and PUT"}));
  if (!authorized(request, rights::kServiceConnect | rights::kRegistryWrite, reply)) return;
  cloud_.metrics().twin_operations(request.method == "PUT" ? "service_replace" : "service_patch").inc();
  const auto body = json_body(request);
  if (!body) return reply(error_response(body.error()));
  const auto twin = twins.update_from_service(identity, *body, request.method == "PUT", request.header("If-Match"));
  if (!twin) return reply(error_response(twin.error()));
  reply(json_response(200, cloud_.twin_document(*twin), twin->etag));
}

void ServiceApi::method(const net::HttpRequest& request, const iothub::Identity& target, Reply reply) {
  const auto body = json_body(request);
  if (!body) return reply(error_response(body.error()));
  if (!body->is_object() || !body->contains("methodName") || !(*body)["methodName"].is_string() ||
      (*body)["methodName"].get<std::string>().empty())
    return reply(error_response(
        bad_request("the body must be {\"methodName\":..., \"payload\":..., \"responseTimeoutInSeconds\":...}")));
  const auto timeout = body->value("responseTimeoutInSeconds", 30);
  if (timeout < 5 || timeout > 300) return reply(error_response(bad_request("responseTimeoutInSeconds must be 5 to 300")));
  const auto connect_timeout = body->value("connectTimeoutInSeconds", 0);
  if (connect_timeout < 0 || connect_timeout > 300)
    return reply(error_response(bad_request("connectTimeoutInSeconds must be 0 to 300")));
  const auto payload = body->contains("payload") ? (*body)["payload"].dump() : std::string("null");
  if (payload.size() > 128 * 1024) return reply(error_response({413, "MessageTooLarge", "method payloads are limited to 128 KB"}));
  // The target must be registered: IoT Hub tells an unknown device from an offline one.
  if (!cloud_.storage().get_device(target.device_id)) return reply(error_response(device_not_found(target.device_id)));
  if (target.module_id && !cloud_.storage().get_module(target.device_id, *target.module_id))
    return reply(error_response(module_not_found(target.device_id, *target.module_id)));
  iothub::MethodDispatcher::Call call{target, (*body)["methodName"].get<std::string>(), payload,
                              std::chrono::seconds(timeout), std::chrono::seconds(connect_timeout)};
  auto& metrics = cloud_.metrics();
  cloud_.methods().invoke(std::move(call), cloud_.endpoint().listening_for_methods(target),
                          [reply, &metrics, target](iothub::MethodResult result) {
                            if (!result.from_device) {
                              metrics.direct_methods(result.status == 504 ? "timeout" : "offline").inc();
                              const auto code = result.status == 504 ? "GatewayTimeout" : "DeviceNotOnline";
                              const auto text = result.status == 504
                                                    ? "Timed out waiting for the response from '" + target.id() + "'"
                                                    : "'" + target.id() + "' is not online or not listening for methods";
                              reply(error_response({result.status, code, text}));
                              return;
                            }
                            metrics.direct_methods("answered").inc();
                            auto parsed = json::parse(result.payload_json, nullptr, false);
                            if (parsed.is_discarded()) parsed = result.payload_json;  // not JSON: a string
                            reply(json_response(200, json{{"status", result.status}, {"payload", parsed}}));
                          });
}

void ServiceApi::apply_content(const net::HttpRequest& request, const std::string& device_id, Reply& reply) {
  if (!authorized(request, rights::kRegistryWrite, reply)) return;
  const auto body = json_body(request);
  if (!body) return reply(error_response(body.error()));
  if (auto r = cloud_.deployments().apply_content(device_id, *body); !r) return reply(error_response(r.error()));
  reply(net::HttpResponse::text(204, ""));
}

void ServiceApi::cloud_to_device(const net::HttpRequest& request, const std::string& device_id, Reply& reply) {
  if (!authorized(request, rights::kServiceConnect, reply)) return;
  Message message;
  message.body = request.body;
  std::optional<std::int64_t> expiry;
  for (const auto& [name, value] : request.headers) {
    const auto lower = to_lower(name);
    if (lower.rfind("iothub-app-", 0) == 0) message.application.set(name.substr(11), value);
    else if (lower == "iothub-messageid") message.system.set(std::string(sysprop::kMessageId), value);
    else if (lower == "iothub-correlationid") message.system.set(std::string(sysprop::kCorrelationId), value);
    else if (lower == "iothub-userid") message.system.set(std::string(sysprop::kUserId), value);
    else if (lower == "iothub-ack") message.system.set(std::string(sysprop::kAck), value);
    else if (lower == "content-type") message.system.set(std::string(sysprop::kContentType), value);
    else if (lower == "content-encoding") message.system.set(std::string(sysprop::kContentEncoding), value);
    else if (lower == "iothub-expiry") {
      expiry = parse_iso8601_ms(value);
      if (!expiry) return reply(error_response(bad_request("iothub-expiry must be an ISO 8601 UTC time")));
      message.system.set(std::string(sysprop::kExpiryTime), value);
    }
  }
  const auto id = cloud_.c2d().enqueue(device_id, std::move(message), expiry);
  if (!id) return reply(error_response(id.error()));
  reply(json_response(202, json{{"messageId", *id}}));
}

}  // namespace outpost::cloud
