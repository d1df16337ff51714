// outpost-cloud's Prometheus metrics (served on /metrics). Hot paths keep the references.
#pragma once
#include <string>

#include "outpost/metrics/registry.h"

namespace outpost::cloud {

class CloudMetrics {
 public:
  explicit CloudMetrics(const std::string& hostname);
  metrics::Registry& registry() { return registry_; }

  metrics::Gauge& connected_clients() { return *connected_; }
  metrics::Counter& connects(const std::string& result) {  // accepted | refused
    return registry_.counter("outpost_cloud_connects_total", "MQTT CONNECTs by result", {{"result", result}});
  }
  metrics::Counter& connections_refused(const std::string& reason) {  // closed on accept
    return registry_.counter("outpost_connections_refused_total", "Connections closed on accept", {{"reason", reason}});
  }
  metrics::Counter& telemetry_received() { return *telemetry_received_; }
  metrics::Counter& telemetry_bytes() { return *telemetry_bytes_; }
  metrics::Counter& twin_operations(const std::string& operation) {
    return registry_.counter("outpost_cloud_twin_operations_total", "Twin operations from devices and services",
                             {{"operation", operation}});
  }
  metrics::Counter& direct_methods(const std::string& result) {
    return registry_.counter("outpost_cloud_direct_methods_total", "Direct method calls by result", {{"result", result}});
  }
  metrics::Counter& c2d(const std::string& event) {  // enqueued | delivered | completed | expired
    return registry_.counter("outpost_cloud_c2d_messages_total", "Cloud-to-device messages", {{"event", event}});
  }
  metrics::Counter& api_requests(const std::string& operation, int status) {
    return registry_.counter("outpost_cloud_api_requests_total", "Service REST API calls",
                             {{"operation", operation}, {"status", std::to_string(status)}});
  }
  metrics::Gauge& event_streams() { return *event_streams_; }

 private:
  metrics::Registry registry_;
  metrics::Gauge* connected_;
  metrics::Counter* telemetry_received_;
  metrics::Counter* telemetry_bytes_;
  metrics::Gauge* event_streams_;
};

}  // namespace outpost::cloud
