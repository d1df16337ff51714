// The hub's HTTP API, on the metrics listener: /metrics (Prometheus, no auth) and a local
// management API in IoT Hub's service REST shape, so tools written for IoT Hub (and the
// azure-iothub SDK) can manage the edge without the cloud:
//   GET|PATCH|PUT /twins/{d}[/modules/{m}]          twins (desired patches reach the client)
//   POST /twins/{d}[/modules/{m}]/methods           direct methods (404 offline, 504 timeout)
//   POST /devices/{d}/messages/devicebound          C2D to a connected leaf device (Outpost)
//   GET  /status, /healthz                          Outpost
// Everything but /metrics and /healthz needs a service SAS token (skn = a policy from
// hub.yaml's management.policies) whose sr covers the request (iothub/service_token.h: the
// hub's host name covers all, {host}/devices/{d} only d). A module may instead invoke
// methods with its own token and x-ms-edge-moduleId: {d}/{m}; devices may not. Identities
// the hub does not know get 404 (DeviceNotFound/ModuleNotFound); errors have IoT Hub's shape.
#pragma once
#include <string>
#include <vector>

#include "edge_hub.h"
#include "hub_config.h"
#include "outpost/iothub/errors.h"
#include "outpost/net/http_server.h"

namespace outpost::hub {

class ManagementApi {
 public:
  ManagementApi(EdgeHub& hub, HubMetrics& metrics, std::string hostname, std::vector<ServicePolicy> policies,
                const Clock& clock = SystemClock::instance());
  void handle(net::HttpRequest&& request, net::HttpResponder responder);

 private:
  // Why the request is refused (a 401), or nullopt: a service token, or a module's own token.
  std::optional<std::string> authorize(const net::HttpRequest& request) const;
  std::optional<std::string> authorize_module(const net::HttpRequest& request, const std::string& caller) const;
  void handle_twin(const net::HttpRequest& request, const iothub::Identity& identity, net::HttpResponder& responder);
  void handle_method(const net::HttpRequest& request, const iothub::Identity& identity, net::HttpResponder responder);
  void handle_c2d(const net::HttpRequest& request, const std::string& device_id, net::HttpResponder& responder);

  EdgeHub& hub_;
  HubMetrics& metrics_;
  std::string hostname_;
  std::vector<ServicePolicy> policies_;
  const Clock& clock_;
};

}  // namespace outpost::hub
