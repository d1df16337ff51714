// ServiceApi: twins (/twins/{d}[/modules/{m}]), direct methods, applyConfigurationContent
// and cloud-to-device messages.
#include <spdlog/spdlog.h>

#include "api_util.h"
#include "cloud.h"
#include "service_api.h"
#include "outpost/iothub/c2d_headers.h"
#include "outpost/iothub_methods/method_requests.h"
#include "outpost/iothub/service_paths.h"

namespace outpost::cloud {

using nlohmann::json;

void ServiceApi::twins(const net::HttpRequest& request, const std::vector<std::string>& parts, Reply& reply) {
  // /twins/{d}[/modules/{m}][/methods]
  const auto path = iothub::parse_twins_path(parts);
  const bool method_call = path && path->operation == "methods" && request.method == "POST";
  if (!path || (path->operation && !method_call))
    return reply(error_response({404, "NotFound", request.method + " " + request.path +
                                                      " is not an API of outpost-cloud; twins: /twins/{deviceId}"
                                                      "[/modules/{moduleId}][/methods]"}));
  const auto& identity = path->identity;
  if (method_call) {
    if (!authorized(request, rights::kServiceConnect, reply)) return;
    return method(request, identity, reply);
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
  iothub::MethodRequest call;
  if (auto error = iothub::parse_method_request(request.body, call)) return reply(error_response(*error));
  // The target must be registered: IoT Hub tells an unknown device from an offline one.
  if (!cloud_.storage().get_device(target.device_id)) return reply(error_response(device_not_found(target.device_id)));
  if (target.module_id && !cloud_.storage().get_module(target.device_id, *target.module_id))
    return reply(error_response(module_not_found(target.device_id, *target.module_id)));
  auto& metrics = cloud_.metrics();
  cloud_.methods().invoke({target, std::move(call.method), std::move(call.payload_json), call.response_timeout,
                           call.connect_timeout},
                          cloud_.endpoint().listening_for_methods(target),
                          [reply, &metrics, target](iothub::MethodResult result) {
                            metrics.direct_methods(result.from_device     ? "answered"
                                                   : result.status == 504 ? "timeout"
                                                                          : "offline")
                                .inc();
                            auto answer = iothub::method_answer(result, target);
                            if (answer.error) return reply(error_response(*answer.error));
                            reply(net::HttpResponse::json(200, std::move(answer.body)));
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
  iothub::C2dRequest c2d;
  if (auto error = iothub::c2d_request_from_http(request.headers, request.body, c2d)) return reply(error_response(*error));
  const auto id = cloud_.c2d().enqueue(device_id, std::move(c2d.message), c2d.expiry_ms);
  if (!id) return reply(error_response(id.error()));
  reply(json_response(202, json{{"messageId", *id}}));
}

}  // namespace outpost::cloud
