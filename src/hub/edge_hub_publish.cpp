// EdgeHub: what clients publish — telemetry into routing and the store, twin requests,
// method responses — and back-pressure when the store is full.
#include <spdlog/spdlog.h>

#include "edge_hub.h"
#include "plain_session_delivery.h"
#include "plain_topic.h"
#include "outpost/core/crypto.h"
#include "outpost/core/json.h"
#include "outpost/iothub/errors.h"
#include "outpost/iothub/telemetry_rules.h"

namespace outpost::hub {

void EdgeHub::on_publish(const mqtt::ConnectionPtr& c, mqtt::PublishPacket&& p, mqtt::PublishTicket ticket) {
  auto& client = state(c);
  if (is_plain_topic(p.topic)) return publish_plain(c, client, std::move(p), ticket);
  if (client.plain) return refuse_iothub_publish(c, client, p.topic, ticket);
  if (p.qos == 2) {  // accepted by the server for plain topics only
    spdlog::warn("hub: closing '{}': QoS 2 PUBLISH on IoT Hub topic '{}'", client.id, p.topic);
    c->close(mqtt::CloseReason::protocol_error, "QoS 2 is not supported on IoT Hub topics");
    return;
  }
  auto topic = iothub::parse_publish_topic(p.topic);
  if (!topic) {
    spdlog::warn("hub: closing '{}': {} (topic '{}')", client.id, topic.error(), p.topic);
    c->close(mqtt::CloseReason::protocol_error, topic.error());
    return;
  }
  if (auto* telemetry = std::get_if<iothub::TelemetryTopic>(&*topic)) {
    ingest_telemetry(c, client, *telemetry, std::move(p), ticket);
    return;
  }
  if (auto* get = std::get_if<iothub::TwinGetTopic>(&*topic)) {
    handle_twin_get(c, client, get->rid);
  } else if (auto* patch = std::get_if<iothub::TwinReportedPatchTopic>(&*topic)) {
    handle_reported_patch(c, client, patch->rid, p.payload);
  } else if (auto* response = std::get_if<iothub::MethodResponseTopic>(&*topic)) {
    if (!methods_.complete(*c, response->rid, response->status, std::move(p.payload)))
      spdlog::info("hub: '{}' answered method request '{}', which is not pending (late or unknown)", client.id,
                   response->rid);
  } else {
    // edgeHub acknowledges and drops publishes to topics it does not know.
    spdlog::warn("hub: '{}' published to '{}', which is not an IoT Hub topic; dropped", client.id, p.topic);
    metrics_.dropped("unknown_topic", client.id, "").inc();
  }
  if (ticket != 0) c->complete_publish(ticket);
}

void EdgeHub::ingest_telemetry(const mqtt::ConnectionPtr& c, ClientState& client,
                               const iothub::TelemetryTopic& topic, mqtt::PublishPacket&& packet,
                               mqtt::PublishTicket ticket) {
  auto in = iothub::take_telemetry(topic, client.identity, packet, iothub::DupMarking::mark);
  auto& message = in.message;
  if (in.fault == iothub::TelemetryFault::too_large)
    metrics_.dropped("too_large", client.id, message.system.get(sysprop::kOutputName).value_or("")).inc();
  if (!in.ok()) {
    const auto refusal = in.fault == iothub::TelemetryFault::too_large ? mqtt::PublishRefusal::too_large
                                                                       : mqtt::PublishRefusal::invalid;
    if (ticket != 0 && c->refuse_publish(ticket, refusal, in.reason)) {
      spdlog::warn("hub: refused a message of '{}': {}", client.id, in.reason);
      return;
    }
    spdlog::warn("hub: refused: {}; closing '{}'", in.reason, client.id);
    c->close(mqtt::CloseReason::protocol_error, in.reason);
    return;
  }
  stamp(message, client.identity);
  const auto size = static_cast<double>(message.counted_size());
  const auto output = message.system.get(sysprop::kOutputName);
  // Looked up before routing (which may close the connection and forget `client`), counted
  // after it: the delivery's write does not wait for the metrics.
  auto& received = received_counter(client, output);
  auto& sizes = metrics_.message_size();
  route_and_store(c, std::move(message), packet.qos, ticket, client.id, output.value_or(""));
  received.inc();
  sizes.observe(size);
}

metrics::Counter& EdgeHub::received_counter(ClientState& client, const std::optional<std::string>& output) {
  if (!output) return *client.received_default;
  for (const auto& [name, counter] : client.received_by_output)
    if (name == *output) return *counter;
  auto& counter = metrics_.received(client.id, *output);
  if (client.received_by_output.size() < ClientState::kKeptOutputCounters)
    client.received_by_output.emplace_back(*output, &counter);
  return counter;
}

void EdgeHub::stamp(Message& message, const iothub::Identity& sender) const {
  iothub::stamp_sender(message, sender);
  message.system.set(std::string(sysprop::kEdgeMessageId), random_uuid());
  message.system.set(std::string(sysprop::kEnqueuedTime), format_iso8601(clock_.now()));
  message.system.set(std::string(sysprop::kEdgeHubOriginInterface), sender.module_id ? "internal" : "downstream");
}

void EdgeHub::route_and_store(const std::weak_ptr<mqtt::Connection>& sender, Message&& message, std::uint8_t qos,
                              mqtt::PublishTicket ticket, const std::string& from, const std::string& from_output,
                              bool count_unrouted) {
  const auto routes = routes_;  // a config reload may swap the table during this call
  routes->match(message, matches_);
  if (matches_.empty() && !count_unrouted) return;
  if (matches_.empty()) {
    spdlog::debug("hub: no route for a message from '{}' (output '{}'); dropped", from, from_output);
    metrics_.dropped("no_route", from, from_output).inc();
    if (auto c = sender.lock(); c && ticket != 0) c->complete_publish(ticket);
    return;
  }
  std::vector<store::QueueTarget> targets;
  Wakes wakes;
  targets.reserve(matches_.size());
  add_matched_endpoints(targets, wakes);
  // Handed to the store, which keeps it (its cache) rather than a copy.
  store_or_park(sender, std::make_shared<const Message>(std::move(message)), std::move(targets), std::move(wakes), qos,
                ticket, from, from_output);
}

void EdgeHub::add_matched_endpoints(std::vector<store::QueueTarget>& targets, Wakes& wakes) {
  const auto now_ms = clock_.unix_millis();
  for (const auto& match : matches_) {
    auto& info = endpoints_.endpoint(*match.endpoint);
    const std::int64_t ttl = match.ttl_secs > 0 ? match.ttl_secs : store_and_forward_.ttl_secs;
    targets.push_back({endpoints_.queue(info, match.priority), ttl < 0 ? 0 : now_ms + ttl * 1000});
    wakes.endpoints.push_back(&info);
  }
}

void EdgeHub::store_or_park(const std::weak_ptr<mqtt::Connection>& sender, std::shared_ptr<const Message> message,
                            std::vector<store::QueueTarget> targets, Wakes wakes, std::uint8_t qos,
                            mqtt::PublishTicket ticket, const std::string& from, const std::string& from_output) {
  if (parked_.empty() && append(sender, message, targets, wakes, ticket)) return;
  if (qos == 0) {
    spdlog::warn("hub: store full; dropping a QoS 0 message from '{}'", from);
    metrics_.dropped("store_full", from, from_output).inc();
    return;
  }
  // Back-pressure: keep the message un-acknowledged and stop reading from its sender.
  const auto c = sender.lock();
  if (!c) return;  // gone: its publish was never acknowledged, so the client sends it again
  if (parked_.size() >= settings_.max_held_messages) {
    spdlog::warn("hub: store full and {} publishes already held; disconnecting '{}'", parked_.size(), from);
    metrics_.unacknowledged("held_limit").inc();
    c->close(mqtt::CloseReason::server_closed, "store full and the hub holds too many publishes");
    return;
  }
  if (parked_.empty())
    spdlog::warn("hub: store full ({} bytes); holding publishes un-acknowledged until space frees",
                 store_.disk_bytes());
  c->pause_reading();
  parked_.push_back({sender, std::move(message), std::move(targets), std::move(wakes), ticket, clock_.unix_millis()});
  metrics_.messages_held().set(static_cast<double>(parked_.size()));
}

void EdgeHub::release_parked_of(const mqtt::Connection* sender) {
  const auto before = parked_.size();
  std::erase_if(parked_, [sender](const Parked& p) {
    const auto s = p.sender.lock();
    return !s || s.get() == sender;
  });
  if (parked_.size() == before) return;
  metrics_.unacknowledged("sender_left_while_held").inc(static_cast<double>(before - parked_.size()));
  metrics_.messages_held().set(static_cast<double>(parked_.size()));
}

bool EdgeHub::append(const std::weak_ptr<mqtt::Connection>& sender, const std::shared_ptr<const Message>& message,
                     const std::vector<store::QueueTarget>& targets, const Wakes& wakes, mqtt::PublishTicket ticket) {
  std::function<void(bool)> on_durable = [](bool) {};
  if (ticket != 0) {
    // A handle, not &durable_acks_: the sync thread may run this after the hub is gone.
    on_durable = [acks = durable_acks_.sender(), sender, ticket](bool ok) { acks.push({sender, ticket, ok}); };
  }
  const auto result = store_.append(message, targets, std::move(on_durable));
  switch (result.status) {
    case store::AppendStatus::accepted:
      if (wakes.retained) retained_stored(*message, result.seq);
      for (const auto* endpoint : wakes.endpoints) wake_endpoint(*endpoint);
      for (const auto i : wakes.bridges)
        if (i < bridges_.size()) bridges_[i]->pump();  // (a parked message may outlive a twin's bridges)
      for (const auto id : wakes.plain_sessions)
        if (auto* session = plain_.session(id); session && session->delivery) session->delivery->pump();
      wake_store_writer_soon();
      if (ticket != 0) {
        ++awaiting_durable_;
        poll_durable_acks_soon();
      }
      return true;
    case store::AppendStatus::full:
      return false;
    case store::AppendStatus::failed:
      spdlog::error("hub: the store failed to write a message; its sender will retry");
      metrics_.unacknowledged("storage_failure").inc();
      if (auto c = sender.lock()) c->close(mqtt::CloseReason::server_closed, "store write failed");
      return true;
  }
  return true;
}

void EdgeHub::wake_store_writer_soon() {
  // The store is opened with wake_on_append = false: waking its writer thread costs a futex
  // call and, with two cores, often a preemption of this thread. Posted after the deliveries
  // this append started (their writes are posted first), it costs them nothing; durability
  // (and so the PUBACK) starts a few microseconds later instead.
  if (writer_wake_posted_) return;
  writer_wake_posted_ = true;
  loop_.post([this, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.lock()) return;
    writer_wake_posted_ = false;
    store_.wake_writer();
  });
}

void EdgeHub::poll_durable_acks_soon() {
  if (durable_ack_poll_armed_) return;
  durable_ack_poll_armed_ = true;
  durable_ack_poll_->start(kDurableAckPoll, [this] {
    durable_ack_poll_armed_ = false;
    durable_acks_.drain();
    if (awaiting_durable_ > 0) poll_durable_acks_soon();
  });
}

void EdgeHub::retry_parked() {
  while (!parked_.empty()) {
    auto& front = parked_.front();
    if (!append(front.sender, front.message, front.targets, front.wakes, front.ticket)) return;
    const auto sender = front.sender.lock();
    metrics_.held_duration().observe(static_cast<double>(clock_.unix_millis() - front.held_since_ms) / 1000.0);
    parked_.pop_front();
    metrics_.messages_held().set(static_cast<double>(parked_.size()));
    bool more_from_sender = false;
    for (const auto& p : parked_) more_from_sender = more_from_sender || (sender && p.sender.lock() == sender);
    if (sender && !more_from_sender) sender->resume_reading();
  }
  spdlog::info("hub: store has space again; acknowledging publishes");
}

void EdgeHub::route_twin_change(const ClientState& client, const nlohmann::json& patch) {
  Message change;
  change.body = nlohmann::json{{"properties", {{"reported", patch}}}}.dump();
  stamp(change, client.identity);  // delivered with $.cdid/$.cmid = the module that reported
  change.system.set(std::string(sysprop::kMessageType), "twinChangeNotification");
  change.system.set(std::string(sysprop::kContentType), "application/json");
  change.system.set(std::string(sysprop::kContentEncoding), "utf-8");
  // Most deployments have no such route: an unrouted twin change is not a dropped message.
  route_and_store({}, std::move(change), 0, 0, client.id, "", /*count_unrouted=*/false);
}

void EdgeHub::handle_twin_get(const mqtt::ConnectionPtr& c, ClientState& client, const std::string& rid) {
  metrics_.get_twin(client.id).inc();
  const auto body = twins_.get(client.identity).to_json().dump();
  c->publish(iothub::twin_response_topic(200, rid), body, 0);
}

void EdgeHub::handle_reported_patch(const mqtt::ConnectionPtr& c, ClientState& client, const std::string& rid,
                                    const std::string& body) {
  auto parsed = parse_json(body);
  if (!parsed || !parsed->is_object()) {
    const auto why = parsed ? std::string("reported properties must be a JSON object")
                            : "reported properties are " + parsed.error();
    c->publish(iothub::twin_response_topic(400, rid), iothub::numeric_error_body(400004, why), 0);
    return;
  }
  const auto& patch = *parsed;
  auto version = twins_.patch_reported(client.identity, patch);
  if (!version) {
    spdlog::info("hub: rejected reported properties of '{}': {}", client.id, version.error());
    c->publish(iothub::twin_response_topic(400, rid), iothub::numeric_error_body(400004, version.error()), 0);
    return;
  }
  metrics_.reported_properties(client.id).inc();
  c->publish(iothub::twin_response_topic(204, rid, *version), "", 0);
  route_twin_change(client, patch);
  // Acknowledged at once from the local copy; the cloud gets it when the link allows.
  if (upstream_) upstream_->report(client.identity, patch);
}

}  // namespace outpost::hub
