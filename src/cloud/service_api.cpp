// ServiceApi: routing, authorization, IoT Hub-shaped errors, statistics. The handlers for
// each resource are in api_registry.cpp, api_twins.cpp, api_queries.cpp and
// api_device_scope.cpp.
#include "service_api.h"

#include <spdlog/spdlog.h>

#include "cloud.h"
#include "ids.h"
#include "model_json.h"
#include "time_text.h"
#include "outpost/core/encoding.h"
#include "outpost/iothub/service_paths.h"

namespace outpost::cloud {

using nlohmann::json;

net::HttpResponse error_response(const CloudError& error) {
  auto response = net::HttpResponse::json(error.status, iothub::service_error_body(error));
  response.with_header(std::string(iothub::kErrorCodeHeader), error.code);
  return response;
}

net::HttpResponse json_response(int status, const json& body, const std::string& etag) {
  auto response = net::HttpResponse::json(status, body.dump());
  if (!etag.empty()) response.with_header("ETag", quote_etag(etag));
  return response;
}

bool ServiceApi::authorized(const net::HttpRequest& request, std::uint32_t rights, Reply& reply) {
  const auto policy =
      cloud_.auth().authorize(request.header("Authorization"), rights, iothub::service_resource(request.path_segments()));
  if (policy) return true;
  spdlog::info("cloud: API: refused {} {} from {}: {}", request.method, request.path, request.remote_address,
               policy.error().message);
  reply(error_response(policy.error()));
  return false;
}

namespace {
// IoT Hub writes "0001-01-01T00:00:00Z" for "never".
std::string time_or_never(std::int64_t unix_ms) {
  return unix_ms == 0 ? std::string("0001-01-01T00:00:00Z") : format_iso8601_ms(unix_ms);
}
}  // namespace

json ServiceApi::device_document(const DeviceRecord& device) {
  json doc = device_json(device);
  const iothub::Identity identity{device.device_id, std::nullopt};
  const auto activity = cloud_.endpoint().activity(identity);
  doc["connectionState"] = cloud_.endpoint().connected(identity) ? "Connected" : "Disconnected";
  doc["connectionStateUpdatedTime"] = time_or_never(activity.state_updated_ms);
  doc["lastActivityTime"] = time_or_never(activity.last_activity_ms);
  doc["cloudToDeviceMessageCount"] = cloud_.storage().count_c2d(device.device_id);
  return doc;
}

json ServiceApi::module_document(const ModuleRecord& module) {
  json doc = module_json(module);
  const iothub::Identity identity{module.device_id, module.module_id};
  const auto activity = cloud_.endpoint().activity(identity);
  doc["connectionState"] = cloud_.endpoint().connected(identity) ? "Connected" : "Disconnected";
  doc["connectionStateUpdatedTime"] = time_or_never(activity.state_updated_ms);
  doc["lastActivityTime"] = time_or_never(activity.last_activity_ms);
  doc["cloudToDeviceMessageCount"] = 0;
  return doc;
}

void ServiceApi::handle(const net::HttpRequest& request, Reply reply) {
  // Count every answer by operation and status.
  const auto parts = request.path_segments();
  std::string operation = request.method + " /" + (parts.empty() ? std::string() : parts[0]);
  Reply counted = [this, operation, reply = std::move(reply)](net::HttpResponse response) {
    cloud_.metrics().api_requests(operation, response.status).inc();
    reply(std::move(response));
  };
  try {
    if (parts.empty()) {
      counted(error_response({404, "NotFound", "no API at /"}));
      return;
    }
    const auto& root = parts[0];
    if (root == "devices") {
      if (parts.size() >= 4 && parts[2] == "modules" && parts[3] == kEdgeHub &&
          (parts.size() == 5 && (parts[4] == "devicesAndModulesInTargetDeviceScope" ||
                                 parts[4] == "getDeviceAndModuleOnBehalfOf")) &&
          request.method == "POST")
        return device_scope(request, parts[1], parts[4], counted);
      if (parts.size() >= 3 && parts[2] == "modules") return modules(request, parts, counted);
      if (parts.size() == 3 && parts[2] == "applyConfigurationContent" && request.method == "POST")
        return apply_content(request, parts[1], counted);
      if (parts.size() == 4 && parts[2] == "messages" && iequals(parts[3], "devicebound") && request.method == "POST")
        return cloud_to_device(request, parts[1], counted);
      if (parts.size() == 2 && parts[1] == "query" && request.method == "POST") return query(request, counted);
      return devices(request, parts, counted);
    }
    if (root == "twins") return twins(request, parts, counted);
    if (root == "configurations") return configurations(request, parts, counted);
    if (root == "statistics") return statistics(request, parts, counted);
    if (root == "events" && parts.size() == 1 && request.method == "GET") {
      if (!authorized(request, rights::kServiceConnect, counted)) return;
      counted(cloud_.events().page(request));
      return;
    }
    counted(error_response({404, "NotFound", request.method + " " + request.path + " is not an API of outpost-cloud"}));
  } catch (const DatabaseFailure& failure) {
    spdlog::error("cloud: API {} {}: storage failure: {}", request.method, request.path, failure.what());
    counted(error_response({500, "ServerError", "storage failure; see the outpost-cloud log"}));
  }
}

void ServiceApi::statistics(const net::HttpRequest& request, const std::vector<std::string>& parts, Reply& reply) {
  if (request.method != "GET" || parts.size() != 2) {
    reply(error_response({404, "NotFound", "statistics: GET /statistics/devices or /statistics/service"}));
    return;
  }
  if (!authorized(request, rights::kRegistryRead | rights::kServiceConnect, reply)) return;
  if (parts[1] == "devices") {
    std::size_t total = 0, enabled = 0;
    for (const auto& d : cloud_.storage().list_devices()) {
      ++total;
      if (d.enabled) ++enabled;
    }
    reply(json_response(200, json{{"totalDeviceCount", total},
                                  {"enabledDeviceCount", enabled},
                                  {"disabledDeviceCount", total - enabled}}));
    return;
  }
  if (parts[1] == "service") {
    reply(json_response(200, json{{"connectedDeviceCount", cloud_.endpoint().connection_count()}}));
    return;
  }
  reply(error_response({404, "NotFound", "no statistics named '" + parts[1] + "'"}));
}

}  // namespace outpost::cloud
