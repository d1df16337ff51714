// Delivers queued messages to one connected module's inputs. Per input endpoint it keeps a
// window of messages in flight (PUBLISH sent, PUBACK not yet back), reads the endpoint's
// queues highest priority first, and acknowledges each entry in the store when its PUBACK
// arrives. On reconnect a fresh ModuleDelivery starts from the queue heads again, so what
// was in flight and unacknowledged is delivered again, in order.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "endpoint_registry.h"
#include "hub_metrics.h"
#include "outpost/core/clock.h"
#include "outpost/iothub/identity.h"
#include "outpost/mqtt/server.h"
#include "outpost/store/message_store.h"

namespace outpost::hub {

class ModuleDelivery {
 public:
  // `clock` times each message from enqueue to acknowledgement (the process-duration metric).
  ModuleDelivery(store::MessageStore& store, HubMetrics& metrics, std::weak_ptr<mqtt::Connection> connection,
                 iothub::Identity receiver, std::size_t window, const Clock& clock);

  // Starts (or continues) delivering from this endpoint's queues.
  void pump(const EndpointInfo& endpoint);
  // The module acknowledged the PUBLISH carrying `tag`.
  void delivered(std::uint64_t tag);
  std::size_t in_flight() const { return in_flight_.size(); }

 private:
  struct Pump {
    const EndpointInfo* endpoint;
    std::string topic_prefix;  // devices/{d}/modules/{m}/inputs/{input}/
    std::unordered_map<store::QueueId, store::Sequence> cursor;  // last seq sent per queue
    std::size_t in_flight = 0;
  };
  struct InFlight {
    Pump* pump;
    store::QueueId queue;
    store::Sequence seq;
    std::uint32_t priority;
    std::int64_t enqueued_at_ms;
    metrics::Counter* sent;
  };

  void fill(Pump& pump);
  metrics::Counter& sent_counter(const Message& message, const Pump& pump, std::uint32_t priority);

  store::MessageStore& store_;
  HubMetrics& metrics_;
  std::weak_ptr<mqtt::Connection> connection_;
  iothub::Identity receiver_;
  std::size_t window_;
  const Clock& clock_;
  std::unordered_map<std::string, Pump> pumps_;  // by endpoint id
  std::unordered_map<std::uint64_t, InFlight> in_flight_;
  std::uint64_t next_tag_ = 1;
  std::unordered_map<std::string, metrics::Counter*> sent_counters_;  // by from/output/input/priority
  std::string counter_key_;  // reused: looking a counter up allocates nothing once seen
  std::string topic_;        // reused: each delivery's topic is built here
};

}  // namespace outpost::hub
