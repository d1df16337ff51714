#include "hub_metrics.h"

namespace outpost::hub {

HubMetrics::HubMetrics(const std::string& hub_hostname, const std::string& edge_device_id)
    : registry_({{"iothub", hub_hostname}, {"edge_device", edge_device_id}, {"instance_number", "0"}}) {}

metrics::Counter& HubMetrics::received(const std::string& id, const std::string& route_output) {
  return registry_.counter("edgehub_messages_received_total", "Messages received from clients",
                           {{"route_output", route_output}, {"id", id}});
}

metrics::Counter& HubMetrics::sent(const std::string& from, const std::string& to, const std::string& from_output,
                                   const std::string& to_input, std::uint32_t priority) {
  return registry_.counter("edgehub_messages_sent_total", "Messages delivered to an endpoint",
                           {{"from", from}, {"to", to}, {"from_route_output", from_output},
                            {"to_route_input", to_input}, {"priority", std::to_string(priority)}});
}

metrics::Counter& HubMetrics::dropped(const std::string& reason, const std::string& from, const std::string& from_output) {
  return registry_.counter("edgehub_messages_dropped_total", "Messages dropped (no_route, ttl_expiry, ...)",
                           {{"reason", reason}, {"from", from}, {"from_route_output", from_output}});
}

metrics::Counter& HubMetrics::unacknowledged(const std::string& reason) {
  return registry_.counter("edgehub_messages_unack_total", "Messages not acknowledged to their sender",
                           {{"reason", reason}});
}

metrics::Counter& HubMetrics::connect_success(const std::string& id) {
  return registry_.counter("edgehub_client_connect_success_total", "Successful client connections", {{"id", id}});
}

metrics::Counter& HubMetrics::connect_failed(const std::string& id, const std::string& reason) {
  return registry_.counter("edgehub_client_connect_failed_total", "Refused client connections",
                           {{"id", id}, {"reason", reason}});
}

metrics::Counter& HubMetrics::disconnect(const std::string& id) {
  return registry_.counter("edgehub_client_disconnect_total", "Client disconnections", {{"id", id}});
}

metrics::Counter& HubMetrics::get_twin(const std::string& id) {
  return registry_.counter("edgehub_gettwin_total", "Twin GET requests", {{"source", "downstream"}, {"id", id}});
}

metrics::Counter& HubMetrics::reported_properties(const std::string& id) {
  return registry_.counter("edgehub_reported_properties_total", "Reported-property updates",
                           {{"target", "local"}, {"id", id}});
}

metrics::Counter& HubMetrics::direct_methods(const std::string& from, const std::string& to) {
  return registry_.counter("edgehub_direct_methods_total", "Direct method calls", {{"from", from}, {"to", to}});
}

metrics::Gauge& HubMetrics::connected_clients() {
  return registry_.gauge("edgehub_connected_clients", "Connected clients");
}

metrics::Gauge& HubMetrics::queue_length(const std::string& endpoint, std::uint32_t priority) {
  return registry_.gauge("edgehub_queue_length", "Messages waiting per endpoint and priority",
                         {{"endpoint", endpoint}, {"priority", std::to_string(priority)}});
}

metrics::Gauge& HubMetrics::store_bytes() {
  return registry_.gauge("outpost_store_bytes", "Bytes of the message store on disk");
}

metrics::Gauge& HubMetrics::messages_held() {
  return registry_.gauge("outpost_messages_held", "Publishes held un-acknowledged while the store is full");
}

metrics::Summary& HubMetrics::held_duration() {
  return registry_.summary("outpost_messages_held_seconds", "How long a publish was held while the store was full");
}

metrics::Counter& HubMetrics::connections_refused(const std::string& reason) {
  return registry_.counter("outpost_connections_refused_total", "Connections closed on accept",
                           {{"reason", reason}});
}

metrics::Counter& HubMetrics::plain_refused(const std::string& operation, const std::string& reason) {
  return registry_.counter("outpost_mqtt_refused_total", "Plain MQTT publishes and subscriptions refused",
                           {{"operation", operation}, {"reason", reason}});
}

metrics::Summary& HubMetrics::message_size() {
  if (!message_size_) message_size_ = &registry_.summary("edgehub_message_size_bytes", "Size of received messages");
  return *message_size_;
}

metrics::Summary& HubMetrics::process_duration() {
  if (!process_duration_)
    process_duration_ = &registry_.summary("edgehub_message_process_duration_seconds",
                                           "Time from receipt to delivery acknowledgement");
  return *process_duration_;
}

}  // namespace outpost::hub
