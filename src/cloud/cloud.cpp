#include "cloud.h"

#include <spdlog/spdlog.h>

#include "ids.h"
#include "sqlite_cloud_database.h"
#include "sqlite_telemetry_log.h"
#include "time_text.h"
#include "outpost/core/connection_string.h"
#include "outpost/iothub/service_paths.h"

namespace outpost::cloud {

using nlohmann::json;

std::vector<PolicySetting> default_policies() {
  return {{"iothubowner", "", "", rights::kRegistryRead | rights::kRegistryWrite | rights::kServiceConnect | rights::kDeviceConnect},
          {"service", "", "", rights::kServiceConnect},
          {"device", "", "", rights::kDeviceConnect},
          {"registryRead", "", "", rights::kRegistryRead},
          {"registryReadWrite", "", "", rights::kRegistryRead | rights::kRegistryWrite}};
}

namespace {

std::unique_ptr<TelemetryLog> open_telemetry(const CloudSettings& s, const Clock& clock) {
  TelemetryLogOptions o;
  o.file = s.storage_folder / "telemetry.db";
  o.retention = s.retention;
  o.retention_interval = s.retention_interval;
  o.fsync = s.telemetry_fsync;
  return std::make_unique<SqliteTelemetryLog>(std::move(o), clock);
}

std::unique_ptr<CloudDatabase> open_storage(const CloudSettings& s) {
  std::filesystem::create_directories(s.storage_folder);
  return std::make_unique<SqliteCloudDatabase>(s.storage_folder / "registry.db");
}

}  // namespace

Cloud::Cloud(net::EventLoop& loop, CloudSettings settings, const Clock& clock)
    : loop_(loop),
      settings_(std::move(settings)),
      clock_(clock),
      storage_(open_storage(settings_)),
      telemetry_(open_telemetry(settings_, clock)),
      metrics_(settings_.hostname),
      registry_(*storage_, clock),
      twins_(*storage_),
      methods_(loop),
      c2d_(*storage_, metrics_, settings_.c2d, clock),
      auth_(*storage_, settings_.hostname, clock),
      c2d_feedback_(metrics_, clock),
      amqp_service_(auth_, c2d_, c2d_feedback_),
      api_(*this) {
  deployments_ = std::make_unique<Deployments>(
      *storage_, twins_, [this](const TwinRecord& twin, const DeviceRecord&) { return twin_document(twin); }, clock);
  DeviceEndpointSettings endpoint_settings;
  endpoint_settings.hostname = settings_.hostname;
  endpoint_settings.device_ca_pem = settings_.device_ca_pem;
  endpoint_ = std::make_unique<DeviceEndpoint>(loop, endpoint_settings, *storage_, registry_, twins_, methods_, c2d_,
                                               *telemetry_, feed_, metrics_, clock);
  events_ = std::make_unique<EventsApi>(loop, *telemetry_, feed_, metrics_, settings_.stream_heartbeat);
  ensure_policies();
  wire();
}

Cloud::~Cloud() {
  events_.reset();
  endpoint_.reset();
  if (telemetry_) telemetry_->flush();
}

void Cloud::ensure_policies() {
  auto stored = storage_->list_policies();
  first_start_ = stored.empty();
  std::vector<PolicySetting> wanted = settings_.policies;
  if (first_start_) {
    for (auto& d : default_policies())
      if (std::none_of(wanted.begin(), wanted.end(), [&](const PolicySetting& p) { return p.name == d.name; }))
        wanted.push_back(d);
  }
  for (const auto& p : wanted) {
    auto existing = storage_->get_policy(p.name);
    PolicyRecord record = existing.value_or(PolicyRecord{p.name, {}, 0});
    record.rights = p.rights;
    if (!p.primary_key.empty()) record.keys.primary = p.primary_key;
    if (!p.secondary_key.empty()) record.keys.secondary = p.secondary_key;
    if (record.keys.primary.empty()) record.keys.primary = generate_key();
    if (record.keys.secondary.empty()) record.keys.secondary = generate_key();
    storage_->put_policy(record);
    if (!existing) spdlog::info("cloud: created shared access policy '{}' [{}]", p.name, rights_to_string(p.rights));
  }
}

void Cloud::wire() {
  registry_.observe([this](const std::string& device_id, const std::optional<std::string>& module_id,
                           IdentityChange change) {
    endpoint_->identity_changed(device_id, module_id, change);
    if (change == IdentityChange::deleted) return;
    if (module_id && change == IdentityChange::created) deployments_->module_created(device_id, *module_id);
    if (!module_id) deployments_->evaluate_device(device_id);
  });
  twins_.observe([this](const TwinChange& change) {
    endpoint_->twin_changed(change);
    // A device twin's tags or reported properties may change which deployments target it.
    if (!change.identity.module_id && (change.tags_changed || change.reported_changed))
      deployments_->evaluate_device(change.identity.device_id);
  });
  c2d_.on_enqueued = [this](const std::string& device_id) { endpoint_->c2d_enqueued(device_id); };
  c2d_.on_feedback = [this](const std::string& device_id, const std::string& message_id,
                            const std::optional<std::string>& ack) { c2d_feedback_.completed(device_id, message_id, ack); };
  c2d_feedback_.on_added = [this] {
    if (amqp_service_.feedback_ready) amqp_service_.feedback_ready();
  };
  metrics_.registry().on_collect([this] {
    const auto now = telemetry_->stats();
    auto& r = metrics_.registry();
    r.counter("outpost_cloud_events_stored_total", "Telemetry events made durable")
        .inc(static_cast<double>(now.stored - reported_.stored));
    r.counter("outpost_cloud_events_expired_total", "Telemetry events deleted by retention", {{"reason", "age"}})
        .inc(static_cast<double>(now.expired_age - reported_.expired_age));
    r.counter("outpost_cloud_events_expired_total", "Telemetry events deleted by retention", {{"reason", "size"}})
        .inc(static_cast<double>(now.expired_size - reported_.expired_size));
    r.counter("outpost_cloud_events_failed_total", "Telemetry events whose append failed (not acknowledged)")
        .inc(static_cast<double>(now.failed - reported_.failed));
    r.gauge("outpost_cloud_events_held", "Telemetry events in the store now").set(static_cast<double>(now.event_count));
    r.gauge("outpost_cloud_events_bytes", "Stored size of the telemetry events held").set(static_cast<double>(now.bytes));
    reported_ = now;
    metrics_.connected_clients().set(static_cast<double>(endpoint_->connection_count()));
  });
}

void Cloud::start() {
  endpoint_->start();
  events_->start();
}

void Cloud::stop() {
  events_->stop();
  telemetry_->flush();
}

json Cloud::twin_document(const TwinRecord& twin) {
  const auto device = storage_->get_device(twin.identity.device_id);
  if (!device) return json::object();
  std::optional<ModuleRecord> module;
  if (twin.identity.module_id) module = storage_->get_module(twin.identity.device_id, *twin.identity.module_id);
  auto doc = cloud::twin_document(twin, *device, module ? &*module : nullptr, endpoint_->connected(twin.identity));
  if (const auto last = endpoint_->activity(twin.identity).last_activity_ms) doc["lastActivityTime"] = format_iso8601_ms(last);
  // IoT Hub's "configurations" of an edge device's twin: the deployments applied to it now.
  // Content stays on a device when its deployment is deleted (until another targets it), so
  // only deployments that still exist are named.
  if (!module && device->iot_edge) {
    if (const auto content = storage_->get_device_content(device->device_id); content && !content->configurations.empty()) {
      json applied = json::object();
      for (const auto& id : content->configurations)
        if (storage_->get_configuration(id)) applied[id] = {{"status", "Applied"}};
      if (!applied.empty()) doc["configurations"] = std::move(applied);
    }
  }
  return doc;
}

std::optional<std::string> Cloud::connection_string(const std::string& policy) const {
  const auto p = storage_->get_policy(policy);
  if (!p) return std::nullopt;
  ConnectionString cs;
  cs.host_name = settings_.hostname;
  cs.shared_access_key_name = p->name;
  cs.shared_access_key = p->keys.primary;
  return cs.to_string();
}

void Cloud::handle_http(net::HttpRequest&& request, net::HttpResponder responder) {
  if (request.path == "/metrics" && request.method == "GET") {
    responder.send(net::HttpResponse::text(200, metrics_.registry().render(), "text/plain; version=0.0.4; charset=utf-8"));
    return;
  }
  if (request.path == "/healthz") {
    responder.send(net::HttpResponse::text(200, "ok\n"));
    return;
  }
  if (auto page = dashboard_.serve(request)) {
    responder.send(std::move(*page));
    return;
  }
  const auto accept = request.header("Accept").value_or("");
  const bool stream = request.method == "GET" &&
                      (request.path == "/events/stream" ||
                       (request.path == "/events" && accept.find("text/event-stream") != std::string::npos));
  if (stream) {
    const auto policy = auth_.authorize(request.header("Authorization"), rights::kServiceConnect,
                                        iothub::service_resource(request.path_segments()));
    if (!policy) {
      responder.send(error_response(policy.error()));
      return;
    }
    const auto position = parse_event_position(request, true);
    if (!position) {
      responder.send(error_response(position.error()));
      return;
    }
    auto s = responder.stream(200, {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}});
    events_->stream(*position, std::move(s));
    return;
  }
  api_.handle(request, [responder](net::HttpResponse response) { responder.send(std::move(response)); });
}

}  // namespace outpost::cloud
