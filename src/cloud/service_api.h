// The service REST API, in IoT Hub's shape (paths, api-version, SAS with skn, If-Match and
// ETags, IoT Hub's JSON errors), so the azure-iothub SDKs work against it unchanged.
// Transport-free: a request in, a response out (possibly later: direct methods).
//
//   GET    /devices                                   list devices (?top=)
//   PUT|GET|DELETE /devices/{d}                       device identity (If-Match)
//   GET    /devices/{d}/modules                       module identities of a device
//   PUT|GET|DELETE /devices/{d}/modules/{m}           module identity (If-Match)
//   GET|PATCH|PUT  /twins/{d}[/modules/{m}]           twins: tags, desired (If-Match)
//   POST   /twins/{d}[/modules/{m}]/methods           direct method (404 offline, 504 timeout)
//   POST   /devices/query                             IoT Hub query language (x-ms-continuation)
//   POST   /devices/{d}/applyConfigurationContent     set an edge device's modules content
//   PUT|GET|DELETE /configurations/{id}, GET /configurations   deployments at scale
//   GET    /statistics/devices, /statistics/service   counts
//   POST   /devices/{d}/messages/devicebound          cloud-to-device message (Outpost)
//   POST   /devices/{edge}/modules/$edgeHub/devicesAndModulesInTargetDeviceScope   device scope
//   POST   /devices/{edge}/modules/$edgeHub/getDeviceAndModuleOnBehalfOf          (edgeHub token)
//   GET    /events?from=&deviceId=&limit=             stored telemetry (Outpost; events_api.h)
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model.h"
#include "outcome.h"
#include "outpost/net/http_server.h"

namespace outpost::cloud {

class Cloud;

using Reply = std::function<void(net::HttpResponse)>;

// IoT Hub's error body: {"Message":"ErrorCode:{code};{message}","ExceptionMessage":"Tracking ID:..."}
net::HttpResponse error_response(const CloudError& error);
net::HttpResponse json_response(int status, const nlohmann::json& body, const std::string& etag = {});

class ServiceApi {
 public:
  explicit ServiceApi(Cloud& cloud) : cloud_(cloud) {}
  void handle(const net::HttpRequest& request, Reply reply);

 private:
  struct Route;
  void devices(const net::HttpRequest& request, const std::vector<std::string>& parts, Reply& reply);
  void modules(const net::HttpRequest& request, const std::vector<std::string>& parts, Reply& reply);
  void twins(const net::HttpRequest& request, const std::vector<std::string>& parts, Reply& reply);
  void method(const net::HttpRequest& request, const iothub::Identity& target, Reply reply);
  void query(const net::HttpRequest& request, Reply& reply);
  void configurations(const net::HttpRequest& request, const std::vector<std::string>& parts, Reply& reply);
  void apply_content(const net::HttpRequest& request, const std::string& device_id, Reply& reply);
  void cloud_to_device(const net::HttpRequest& request, const std::string& device_id, Reply& reply);
  void statistics(const net::HttpRequest& request, const std::vector<std::string>& parts, Reply& reply);
  void device_scope(const net::HttpRequest& request, const std::string& edge_id, const std::string& operation,
                    Reply& reply);
  bool authorized(const net::HttpRequest& request, std::uint32_t rights, Reply& reply);
  bool edge_device_certificate_accepted(const net::HttpRequest& request, const std::string& device_id, Reply& reply);
  bool authorized_for_modules(const net::HttpRequest& request, std::uint32_t rights, const std::string& device_id,
                              Reply& reply);

  nlohmann::json device_document(const DeviceRecord& device);
  nlohmann::json module_document(const ModuleRecord& module);

  Cloud& cloud_;
};

}  // namespace outpost::cloud
