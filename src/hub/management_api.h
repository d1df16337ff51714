// The hub's HTTP API, on the metrics listener: /metrics (Prometheus, no auth) and a local
// management API in IoT Hub's service REST shape, so tools written for IoT Hub (and the
// azure-iothub SDK) can manage the edge without the cloud:
//   GET|PATCH|PUT /twins/{d}[/modules/{m}]          twins (desired patches reach the client)
//   POST /twins/{d}[/modules/{m}]/methods           direct methods (404 offline, 504 timeout)
//   POST /devices/{d}/messages/devicebound          C2D to a connected leaf device (Outpost)
//   GET  /status, /healthz                          Outpost
// Everything but /metrics and /healthz needs a service SAS token (sr = hub host name,
// skn = a policy from hub.yaml's management.policies).
#pragma once
#include <string>
#include <vector>

#include "hub/edge_hub.h"
#include "hub/hub_config.h"
#include "outpost/net/http_server.h"

namespace outpost::hub {

class ManagementApi {
 public:
  ManagementApi(EdgeHub& hub, HubMetrics& metrics, std::string hostname, std::vector<ServicePolicy> policies,
                const Clock& clock = SystemClock::instance());
  void handle(net::HttpRequest&& request, net::HttpResponder responder);

 private:
  std::optional<std::string> authorize(const net::HttpRequest& request) const;  // error text, or nullopt if ok
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
