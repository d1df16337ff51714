// DeviceEndpoint: what clients publish — telemetry (stored, then acknowledged), twin GET
// and reported PATCH, direct method responses.
#include <spdlog/spdlog.h>

#include "device_endpoint.h"
#include "outpost/core/json.h"
#include "outpost/iothub/errors.h"
#include "outpost/iothub/telemetry_rules.h"

namespace outpost::cloud {

void DeviceEndpoint::on_publish(const mqtt::ConnectionPtr& c, mqtt::PublishPacket&& p, mqtt::PublishTicket t) {
  auto& s = client(c);
  activity_[s.id].last_activity_ms = clock_.unix_millis();
  const auto topic = iothub::parse_publish_topic(p.topic);
  if (!topic) {
    spdlog::warn("cloud: '{}' published on a malformed topic '{}': {}; closing", s.id, p.topic, topic.error());
    c->close(mqtt::CloseReason::protocol_error, topic.error());
    return;
  }
  try {
    if (const auto* telemetry = std::get_if<iothub::TelemetryTopic>(&*topic)) {
      ingest(c, s, *telemetry, std::move(p), t);
      return;
    }
    if (p.qos > 0) c->complete_publish(t);
    if (const auto* get = std::get_if<iothub::TwinGetTopic>(&*topic)) {
      twin_get(c, s, get->rid);
    } else if (const auto* patch = std::get_if<iothub::TwinReportedPatchTopic>(&*topic)) {
      twin_patch(c, s, patch->rid, p.payload);
    } else if (const auto* response = std::get_if<iothub::MethodResponseTopic>(&*topic)) {
      if (!methods_.complete(*c, response->rid, response->status, std::move(p.payload)))
        spdlog::info("cloud: '{}' answered method request {} which is no longer pending", s.id, response->rid);
    } else {
      // IoT Hub closes connections that publish on topics it does not know.
      spdlog::warn("cloud: '{}' published on '{}', which is not an IoT Hub topic; closing", s.id, p.topic);
      c->close(mqtt::CloseReason::protocol_error, "not an IoT Hub topic");
    }
  } catch (const DatabaseFailure& e) {
    spdlog::error("cloud: storage failure while serving '{}': {}; closing it", s.id, e.what());
    c->close(mqtt::CloseReason::server_closed, "storage failure");
  }
}

void DeviceEndpoint::ingest(const mqtt::ConnectionPtr& c, Client& s, const iothub::TelemetryTopic& topic,
                            mqtt::PublishPacket&& p, mqtt::PublishTicket ticket) {
  auto in = iothub::take_telemetry(topic, s.identity, p, iothub::DupMarking::ignore);
  if (!in.ok()) {
    spdlog::warn("cloud: closing '{}': {}", s.id, in.reason);
    c->close(mqtt::CloseReason::protocol_error, in.reason);
    return;
  }
  auto& message = in.message;
  metrics_.telemetry_received().inc();
  metrics_.telemetry_bytes().inc(static_cast<double>(message.counted_size()));
  store(c, std::move(message), s.identity, p.qos, ticket);
}

void DeviceEndpoint::store(const std::weak_ptr<mqtt::Connection>& sender, Message&& message,
                           const iothub::Identity& identity, std::uint8_t qos, mqtt::PublishTicket ticket) {
  TelemetryEvent event;
  event.enqueued_ms = clock_.unix_millis();
  event.device_id = identity.device_id;
  event.module_id = identity.module_id.value_or("");
  message.system.set(std::string(sysprop::kEnqueuedTime), format_iso8601(clock_.now()));
  event.message = std::move(message);
  std::vector<TelemetryEvent> batch;
  batch.push_back(std::move(event));
  // Durable first, then the PUBACK and the live readers (on the loop's thread).
  telemetry_.append(std::move(batch), [this, &loop = loop_, sender, qos, ticket, alive = std::weak_ptr<bool>(alive_)](
                                          const Status& status, std::vector<TelemetryEvent>&& events) {
    loop.post([this, sender, qos, ticket, alive, ok = status.ok(), error = status.ok() ? std::string() : status.error(),
               events = std::move(events)] {
      if (!alive.lock()) return;
      auto conn = sender.lock();
      if (!ok) {
        if (conn) conn->close(mqtt::CloseReason::server_closed, "telemetry log failure: " + error);
        return;
      }
      if (conn && qos > 0 && conn->open()) conn->complete_publish(ticket);
      feed_.publish(events);
    });
  });
}

void DeviceEndpoint::twin_get(const mqtt::ConnectionPtr& c, Client& s, const std::string& rid) {
  metrics_.twin_operations("device_get").inc();
  if (!s.subscribed(iothub::SubscriptionKind::twin_responses)) {
    spdlog::info("cloud: '{}' asked for its twin without subscribing to $iothub/twin/res/#", s.id);
    return;
  }
  const auto twin = twins_.get(s.identity);
  if (!twin) {
    c->publish(iothub::twin_response_topic(404, rid), iothub::numeric_error_body(404001, twin.error().message), 0);
    return;
  }
  c->publish(iothub::twin_response_topic(200, rid), twin->properties.to_json().dump(), 0);
}

void DeviceEndpoint::twin_patch(const mqtt::ConnectionPtr& c, Client& s, const std::string& rid,
                                const std::string& body) {
  metrics_.twin_operations("device_patch_reported").inc();
  const auto respond = [&](int status, const std::string& payload, std::optional<std::int64_t> version) {
    if (s.subscribed(iothub::SubscriptionKind::twin_responses))
      c->publish(iothub::twin_response_topic(status, rid, version), payload, 0);
  };
  auto parsed = parse_json(body);
  if (!parsed || !parsed->is_object()) {
    const auto why = parsed ? std::string("the reported-properties patch must be a JSON object")
                            : "the reported-properties patch is " + parsed.error();
    respond(400, iothub::numeric_error_body(400004, why), std::nullopt);
    return;
  }
  const auto& patch = *parsed;
  const auto twin = twins_.patch_reported(s.identity, patch);
  if (!twin) {
    respond(twin.error().status, iothub::numeric_error_body(twin.error().status * 1000 + 4, twin.error().message), std::nullopt);
    return;
  }
  respond(204, "", twin->properties.reported_version());
}

}  // namespace outpost::cloud
