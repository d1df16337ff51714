// edgeHub's metric names (hub-protocol.md §6), so dashboards built for edgeHub keep working.
// Hot paths keep Counter references; series are created on first use.
#pragma once
#include <string>

#include "outpost/metrics/registry.h"

namespace outpost::hub {

class HubMetrics {
 public:
  HubMetrics(const std::string& hub_hostname, const std::string& edge_device_id);

  metrics::Registry& registry() { return registry_; }

  metrics::Counter& received(const std::string& id, const std::string& route_output);
  metrics::Counter& sent(const std::string& from, const std::string& to, const std::string& from_output,
                         const std::string& to_input, std::uint32_t priority);
  metrics::Counter& dropped(const std::string& reason, const std::string& from, const std::string& from_output);
  metrics::Counter& unacknowledged(const std::string& reason);
  metrics::Counter& connect_success(const std::string& id);
  metrics::Counter& connect_failed(const std::string& id, const std::string& reason);
  metrics::Counter& disconnect(const std::string& id);
  metrics::Counter& get_twin(const std::string& id);
  metrics::Counter& reported_properties(const std::string& id);
  metrics::Counter& direct_methods(const std::string& from, const std::string& to);
  metrics::Gauge& connected_clients();
  metrics::Gauge& queue_length(const std::string& endpoint, std::uint32_t priority);
  metrics::Gauge& store_bytes();
  // Back-pressure: publishes held un-acknowledged while the store is full, and for how long.
  metrics::Gauge& messages_held();
  metrics::Summary& held_duration();
  // Connections closed on accept (reason "unauthenticated_limit").
  metrics::Counter& connections_refused(const std::string& reason);
  // Plain MQTT (issue 14): what a client asked and was refused, by operation (publish,
  // subscribe) and reason (not_authorized, subscription_limit, retained_limit).
  metrics::Counter& plain_refused(const std::string& operation, const std::string& reason);
  // Observed for every message: looked up once, then kept (a lookup builds the name and
  // label strings and takes the registry's lock).
  metrics::Summary& message_size();
  metrics::Summary& process_duration();

 private:
  metrics::Registry registry_;
  metrics::Summary* message_size_ = nullptr;
  metrics::Summary* process_duration_ = nullptr;
};

}  // namespace outpost::hub
