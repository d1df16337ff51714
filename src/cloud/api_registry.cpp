// ServiceApi: device and module identities (/devices/{d}, /devices/{d}/modules/{m}).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api_util.h"
#include "certificate_auth.h"
#include "device_auth.h"
#include "outpost/core/sas_token.h"
#include "cloud.h"
#include "service_api.h"

namespace outpost::cloud {

using nlohmann::json;


void ServiceApi::devices(const net::HttpRequest& request, const std::vector<std::string>& parts, Reply& reply) {
  auto& registry = cloud_.registry();
  if (parts.size() == 1) {
    if (request.method != "GET") {
      reply(error_response(bad_request("bulk registry operations (POST /devices) are not supported; PUT each device")));
      return;
    }
    if (!authorized(request, rights::kRegistryRead, reply)) return;
    json list = json::array();
    for (const auto& d : registry.list_devices(top_of(request, 1000))) list.push_back(device_document(d));
    reply(json_response(200, list));
    return;
  }
  if (parts.size() != 2) {
    reply(error_response({404, "NotFound", request.method + " " + request.path + " is not an API of outpost-cloud"}));
    return;
  }
  const auto& id = parts[1];
  if (request.method == "GET") {
    if (!authorized(request, rights::kRegistryRead, reply)) return;
    const auto device = registry.get_device(id);
    if (!device) return reply(error_response(device.error()));
    reply(json_response(200, device_document(*device), device->etag));
    return;
  }
  if (request.method == "PUT") {
    if (!authorized(request, rights::kRegistryWrite, reply)) return;
    const auto body = json_body(request);
    if (!body) return reply(error_response(body.error()));
    const auto device = registry.put_device(id, *body, request.header("If-Match"));
    if (!device) return reply(error_response(device.error()));
    reply(json_response(200, device_document(*device), device->etag));
    return;
  }
  if (request.method == "DELETE") {
    if (!authorized(request, rights::kRegistryWrite, reply)) return;
    if (auto r = registry.delete_device(id, request.header("If-Match")); !r) return reply(error_response(r.error()));
    reply(net::HttpResponse::text(204, ""));
    return;
  }
  reply(error_response({405, "MethodNotAllowed", "devices support GET, PUT and DELETE"}));
}

// A service policy with `rights`, or — for its own modules — the edge device itself: an
// edge device's security daemon creates, updates and deletes its module identities with
// the device's own SAS token, as IoT Edge's identity service does with IoT Hub.
bool ServiceApi::authorized_for_modules(const net::HttpRequest& request, std::uint32_t rights,
                                        const std::string& device_id, Reply& reply) {
  const auto token = request.header("Authorization");
  if (!token && request.client_certificate) return edge_device_certificate_accepted(request, device_id, reply);
  const auto parsed = token ? parse_sas_token(*token) : Result<SasToken>(make_error("no token"));
  if (!parsed || parsed->key_name) return authorized(request, rights, reply);
  const auto refused = verify_edge_device_token(*token, device_id, cloud_.settings().hostname, cloud_.endpoint().lookup(),
                                                cloud_.clock().unix_seconds());
  if (!refused) return true;
  spdlog::info("cloud: API: refused {} {} from {}: {}", request.method, request.path, request.remote_address, *refused);
  reply(error_response(unauthorized(*refused)));
  return false;
}

// An edge device authenticated by X.509 (no Authorization header, a client certificate in the
// handshake) manages its own module identities, as IoT Edge's identity service does with it.
bool ServiceApi::edge_device_certificate_accepted(const net::HttpRequest& request, const std::string& device_id,
                                                  Reply& reply) {
  const auto& lookup = cloud_.endpoint().lookup();
  auto refused = verify_client_certificate(*request.client_certificate, {device_id, std::nullopt}, lookup,
                                           cloud_.settings().device_ca_pem, cloud_.clock().unix_seconds());
  if (!refused && !lookup.device(device_id)->iot_edge) refused = fmt::format("device '{}' is not an edge device", device_id);
  if (!refused) return true;
  spdlog::info("cloud: API: refused {} {} from {}: X.509: {}", request.method, request.path, request.remote_address, *refused);
  reply(error_response(unauthorized("X.509: " + *refused)));
  return false;
}

void ServiceApi::modules(const net::HttpRequest& request, const std::vector<std::string>& parts, Reply& reply) {
  auto& registry = cloud_.registry();
  const auto& device_id = parts[1];
  if (parts.size() == 3) {
    if (request.method != "GET") return reply(error_response({405, "MethodNotAllowed", "module lists support GET"}));
    if (!authorized_for_modules(request, rights::kRegistryRead, device_id, reply)) return;
    const auto modules = registry.list_modules(device_id);
    if (!modules) return reply(error_response(modules.error()));
    json list = json::array();
    for (const auto& m : *modules) list.push_back(module_document(m));
    reply(json_response(200, list));
    return;
  }
  if (parts.size() != 4) {
    reply(error_response({404, "NotFound", request.method + " " + request.path + " is not an API of outpost-cloud"}));
    return;
  }
  const auto& module_id = parts[3];
  if (request.method == "GET") {
    if (!authorized_for_modules(request, rights::kRegistryRead, device_id, reply)) return;
    const auto module = registry.get_module(device_id, module_id);
    if (!module) return reply(error_response(module.error()));
    reply(json_response(200, module_document(*module), module->etag));
    return;
  }
  if (request.method == "PUT") {
    if (!authorized_for_modules(request, rights::kRegistryWrite, device_id, reply)) return;
    const auto body = json_body(request);
    if (!body) return reply(error_response(body.error()));
    const auto module = registry.put_module(device_id, module_id, *body, request.header("If-Match"));
    if (!module) return reply(error_response(module.error()));
    reply(json_response(200, module_document(*module), module->etag));
    return;
  }
  if (request.method == "DELETE") {
    if (!authorized_for_modules(request, rights::kRegistryWrite, device_id, reply)) return;
    if (auto r = registry.delete_module(device_id, module_id, request.header("If-Match")); !r)
      return reply(error_response(r.error()));
    reply(net::HttpResponse::text(204, ""));
    return;
  }
  reply(error_response({405, "MethodNotAllowed", "modules support GET, PUT and DELETE"}));
}

}  // namespace outpost::cloud
