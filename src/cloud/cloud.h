// outpost-cloud assembled: storage, registry, twins, deployments, the device-facing MQTT
// handler, the service REST API and the telemetry log and streams, wired to each other.
// The binary (main.cpp) adds the listeners; tests drive it in-process.
//
// Lifecycle: construct (opens the storage, creates the default shared access policies on
// the first start), start() (timers), then serve; stop() closes event streams and makes
// queued telemetry durable. Threading: everything but the telemetry writer runs on the
// EventLoop's thread.
#pragma once
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "amqp_service.h"
#include "c2d_feedback.h"
#include "c2d_queue.h"
#include "dashboard_server.h"
#include "cloud_metrics.h"
#include "deployments.h"
#include "device_endpoint.h"
#include "event_feed.h"
#include "events_api.h"
#include "outpost/iothub_methods/method_dispatcher.h"
#include "registry.h"
#include "service_api.h"
#include "service_auth.h"
#include "cloud_database.h"
#include "twins.h"
#include "outpost/core/clock.h"
#include "outpost/net/event_loop.h"
#include "outpost/net/http_server.h"

namespace outpost::cloud {

struct PolicySetting {
  std::string name;
  std::string primary_key;    // empty: generated on the first start
  std::string secondary_key;  // empty: generated on the first start
  std::uint32_t rights = 0;
};

struct CloudSettings {
  std::string hostname;
  std::filesystem::path storage_folder;
  RetentionPolicy retention;
  std::chrono::milliseconds retention_interval{1000};
  bool telemetry_fsync = true;
  C2dSettings c2d;
  std::chrono::milliseconds stream_heartbeat{15000};
  std::vector<PolicySetting> policies;  // added to (or replacing keys of) the stored ones
  std::string device_ca_pem;  // CAs of certificateAuthority devices (tls.device_ca_certs), PEM
};

// IoT Hub's default shared access policies, created with random keys on the first start.
std::vector<PolicySetting> default_policies();

class Cloud {
 public:
  Cloud(net::EventLoop& loop, CloudSettings settings, const Clock& clock = SystemClock::instance());
  ~Cloud();

  void start();
  void stop();

  // The HTTP entry: /metrics, /healthz and the dashboard's static files (no auth), /events
  // streams, the service API.
  void handle_http(net::HttpRequest&& request, net::HttpResponder responder);

  // "HostName=...;SharedAccessKeyName=...;SharedAccessKey=..." for a stored policy.
  std::optional<std::string> connection_string(const std::string& policy) const;
  bool first_start() const { return first_start_; }

  const CloudSettings& settings() const { return settings_; }
  net::EventLoop& loop() { return loop_; }
  const Clock& clock() const { return clock_; }
  CloudDatabase& storage() { return *storage_; }
  TelemetryLog& telemetry() { return *telemetry_; }
  CloudMetrics& metrics() { return metrics_; }
  Registry& registry() { return registry_; }
  TwinService& twins() { return twins_; }
  Deployments& deployments() { return *deployments_; }
  iothub::MethodDispatcher& methods() { return methods_; }
  C2dQueue& c2d() { return c2d_; }
  C2dFeedback& c2d_feedback() { return c2d_feedback_; }
  // The service-facing AMQP endpoints (main.cpp gives it to the amqp::Server).
  amqp::ServiceHandler& amqp_service() { return amqp_service_; }
  EventFeed& feed() { return feed_; }
  DeviceEndpoint& endpoint() { return *endpoint_; }
  ServiceAuth& auth() { return auth_; }
  ServiceApi& api() { return api_; }
  EventsApi& events() { return *events_; }

  // The twin document (IoT Hub's GET /twins shape) of a device or module.
  nlohmann::json twin_document(const TwinRecord& twin);

 private:
  void ensure_policies();
  void wire();

  net::EventLoop& loop_;
  CloudSettings settings_;
  const Clock& clock_;
  std::unique_ptr<CloudDatabase> storage_;
  std::unique_ptr<TelemetryLog> telemetry_;
  CloudMetrics metrics_;
  Registry registry_;
  TwinService twins_;
  std::unique_ptr<Deployments> deployments_;
  iothub::MethodDispatcher methods_;
  C2dQueue c2d_;
  EventFeed feed_;
  std::unique_ptr<DeviceEndpoint> endpoint_;
  ServiceAuth auth_;
  C2dFeedback c2d_feedback_;
  AmqpService amqp_service_;
  ServiceApi api_;
  std::unique_ptr<EventsApi> events_;
  DashboardServer dashboard_{dashboard_files()};
  bool first_start_ = false;
  RetentionStats reported_{};  // what /metrics has counted of the store's totals
};

}  // namespace outpost::cloud
