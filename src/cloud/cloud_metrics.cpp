#include "cloud_metrics.h"

namespace outpost::cloud {

CloudMetrics::CloudMetrics(const std::string& hostname) : registry_({{"iothub", hostname}}) {
  connected_ = &registry_.gauge("outpost_cloud_connected_clients", "MQTT connections authenticated now");
  telemetry_received_ =
      &registry_.counter("outpost_cloud_telemetry_received_total", "Device-to-cloud messages received");
  telemetry_bytes_ = &registry_.counter("outpost_cloud_telemetry_received_bytes_total",
                                        "Bytes of device-to-cloud messages received (body and properties)");
  event_streams_ = &registry_.gauge("outpost_cloud_event_streams", "Open event streams (server-sent events)");
}

}  // namespace outpost::cloud
