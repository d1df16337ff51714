// The hub's endpoints and their store queues: one queue per (endpoint, priority), named
// "{endpointId}_Pri{n}" as edgeHub names them ("iothub_Pri0", "edge1/filter/input1_Pri2000000000").
// Endpoints are learned from routes and, at start-up, from the queues the store recovered,
// so messages queued under old routes are still delivered.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "outpost/routing/endpoint.h"
#include "outpost/store/message_store.h"

namespace outpost::hub {

struct EndpointQueue {
  std::uint32_t priority;
  store::QueueId queue;
};

struct EndpointInfo {
  std::string id;                    // edgeHub endpoint id
  routing::Endpoint endpoint;
  std::vector<EndpointQueue> queues;  // ascending priority number: highest priority first
};

class EndpointRegistry {
 public:
  EndpointRegistry(store::MessageStore& store, std::string edge_device_id);

  // Adopts the queues the store already holds (after a restart).
  void recover();
  EndpointInfo& endpoint(const routing::Endpoint& endpoint);
  store::QueueId queue(EndpointInfo& info, std::uint32_t priority);
  const EndpointInfo* find(const std::string& id) const;
  std::vector<EndpointInfo*> for_module(const std::string& module_id);
  std::vector<const EndpointInfo*> all() const;

  static std::string queue_name(const std::string& endpoint_id, std::uint32_t priority);

 private:
  store::MessageStore& store_;
  std::string edge_device_id_;
  std::map<std::string, std::unique_ptr<EndpointInfo>> endpoints_;  // by id; pointers stay valid
};

}  // namespace outpost::hub
