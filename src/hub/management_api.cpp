#include "management_api.h"

#include <spdlog/spdlog.h>

#include "outpost/core/encoding.h"
#include "outpost/core/json.h"
#include "outpost/iothub/c2d_headers.h"
#include "outpost/iothub/service_paths.h"
#include "outpost/iothub/service_token.h"

namespace outpost::hub {
namespace {

using net::HttpResponse;

// IoT Hub's REST error (the azure-iothub SDKs parse it into their error classes).
HttpResponse error(const iothub::ServiceError& e) {
  auto response = HttpResponse::json(e.status, iothub::service_error_body(e));
  response.with_header(std::string(iothub::kErrorCodeHeader), e.code);
  return response;
}

}  // namespace

ManagementApi::ManagementApi(EdgeHub& hub, HubMetrics& metrics, std::string hostname,
                             std::vector<ServicePolicy> policies, const Clock& clock)
    : hub_(hub), metrics_(metrics), hostname_(std::move(hostname)), policies_(std::move(policies)), clock_(clock) {}

std::optional<std::string> ManagementApi::authorize(const net::HttpRequest& request) const {
  if (policies_.empty()) return "the management API is disabled: hub.yaml lists no management.policies";
  const auto keys_of = [this](const std::string& name) -> std::optional<SasKeys> {
    for (const auto& policy : policies_)
      if (policy.name == name) return SasKeys{policy.primary_key, policy.secondary_key};
    return std::nullopt;
  };
  const auto verified = iothub::verify_service_token(request.header("Authorization"), hostname_, keys_of,
                                                     iothub::service_resource(request.path_segments()),
                                                     clock_.unix_seconds());
  if (verified) return std::nullopt;
  return verified.error();
}

std::optional<std::string> ManagementApi::authorize_module(const net::HttpRequest& request,
                                                           const std::string& caller) const {
  // Only modules of this edge device, as with IoT Edge: a leaf device's token is no module's.
  const auto slash = caller.find('/');
  if (slash == std::string::npos)
    return "x-ms-edge-moduleId '" + caller + "' names a device; only modules of '" + hub_.device_id() +
           "' may invoke methods through the module API";
  const iothub::Identity identity{caller.substr(0, slash), caller.substr(slash + 1)};
  if (identity.device_id != hub_.device_id())
    return "'" + caller + "' is not a module of this edge device '" + hub_.device_id() + "'";
  const auto parts = request.path_segments();
  const auto path = iothub::parse_twins_path(parts);
  if (request.method != "POST" || !path || path->operation != "methods")
    return "modules may only invoke methods (POST /twins/{d}[/modules/{m}]/methods)";
  if (!hub_.verify_token(identity, request.header("Authorization").value_or("")))
    return "the Authorization header is not a valid SAS token of '" + caller + "'";
  return std::nullopt;
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
  const auto caller = request.header("x-ms-edge-moduleId");
  if (const auto denied = caller ? authorize_module(request, *caller) : authorize(request)) {
    spdlog::info("hub: management API: refused {} {} from {}: {}", request.method, request.path,
                 request.remote_address, *denied);
    responder.send(error(iothub::unauthorized(*denied)));
    return;
  }
  const auto parts = request.path_segments();
  if (const auto twins = iothub::parse_twins_path(parts)) {
    if (!twins->operation) return handle_twin(request, twins->identity, responder);
    if (twins->operation == "methods" && request.method == "POST")
      return handle_method(request, twins->identity, std::move(responder));
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
  responder.send(error({404, "NotFound", request.method + " " + request.path + " is not an API of this hub"}));
}

void ManagementApi::handle_twin(const net::HttpRequest& request, const iothub::Identity& identity,
                                net::HttpResponder& responder) {
  if (request.method != "GET" && request.method != "PATCH" && request.method != "PUT") {
    responder.send(error({405, "MethodNotAllowed", "twins support GET, PATCH and PUT"}));
    return;
  }
  // Nothing is stored for an identity the hub does not know.
  if (!hub_.knows(identity)) {
    responder.send(error(iothub::identity_not_found(identity)));
    return;
  }
  if (request.method == "GET") {
    responder.send(HttpResponse::json(200, hub_.twin(identity).dump()));
    return;
  }
  auto parsed = parse_json(request.body);
  if (!parsed) {
    responder.send(error(iothub::bad_request("the body is " + parsed.error())));
    return;
  }
  auto& body = *parsed;
  if (!body.is_object()) {
    responder.send(error(iothub::bad_request("the body must be a JSON twin: {\"properties\":{\"desired\":{...}}}")));
    return;
  }
  if (!body.contains("properties") || !body["properties"].is_object() ||
      !body["properties"].contains("desired") || !body["properties"]["desired"].is_object()) {
    responder.send(error(iothub::bad_request("the body has no properties.desired object")));
    return;
  }
  auto version = hub_.update_desired(identity, body["properties"]["desired"], request.method == "PUT");
  if (!version) {
    responder.send(error(iothub::bad_request(version.error())));
    return;
  }
  responder.send(HttpResponse::json(200, hub_.twin(identity).dump()));
}

void ManagementApi::handle_method(const net::HttpRequest& request, const iothub::Identity& identity,
                                  net::HttpResponder responder) {
  iothub::MethodRequest call;
  if (auto e = iothub::parse_method_request(request.body, call)) {
    responder.send(error(*e));
    return;
  }
  if (!hub_.knows(identity)) {
    responder.send(error(iothub::identity_not_found(identity)));
    return;
  }
  hub_.invoke_method(identity, std::move(call), [responder, identity](iothub::MethodResult result) {
    auto answer = iothub::method_answer(result, identity);
    responder.send(answer.error ? error(*answer.error) : HttpResponse::json(200, std::move(answer.body)));
  });
}

void ManagementApi::handle_c2d(const net::HttpRequest& request, const std::string& device_id,
                               net::HttpResponder& responder) {
  iothub::C2dRequest c2d;
  if (auto e = iothub::c2d_request_from_http(request.headers, request.body, c2d)) {
    responder.send(error(*e));
    return;
  }
  if (!hub_.knows({device_id, std::nullopt})) {
    responder.send(error(iothub::device_not_found(device_id)));
    return;
  }
  switch (hub_.send_c2d(device_id, std::move(c2d.message))) {
    case EdgeHub::C2dRelay::relayed:
      responder.send(HttpResponse::text(204, ""));
      return;
    case EdgeHub::C2dRelay::not_connected:
      responder.send(error({404, "DeviceNotOnline",
                            "'" + device_id + "' is not connected or not subscribed to cloud-to-device messages; "
                            "the hub relays them live and stores none"}));
      return;
    case EdgeHub::C2dRelay::expired:
      responder.send(error(iothub::bad_request("the message expired (iothub-expiry) before the hub could relay it; "
                                               "dropped")));
      return;
  }
}

}  // namespace outpost::hub
